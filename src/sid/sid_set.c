/* sid_set.c - a set of session ids (length + bytes), open addressing.
 * Sized once from the planned number of ids, so an audit of 1,000,000 ids costs
 * 33 bytes per id plus 16 bytes of slots per id, with no rehash on the way. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sid_internal.h"

#define TA__ENTRY (1 + TA__SID_MAX)

static uint64_t ta__sid_mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

/* Every byte matters (the ids under audit are often constant in their first
 * bytes); four 8-byte words, zero-padded, keep it at a few nanoseconds. */
static uint64_t ta__sid_hash(const uint8_t *id, unsigned len)
{
    uint64_t w[4] = {0, 0, 0, 0}, h = len;
    memcpy(w, id, len);
    for (int i = 0; i < 4; i++)
        h = ta__sid_mix(h ^ w[i]) + (uint64_t)i;
    return h;
}

/* A slot holds the entry's index + 1 in its low 32 bits and 32 bits of its hash
 * above: a probe compares those before touching the (cold) id array. */
#define TA__SLOT(h, idx) (((h) >> 32) << 32 | (uint64_t)(idx))
#define TA__SLOT_IDX(s) ((uint32_t)(s))
#define TA__SLOT_TAG(s) ((s) >> 32)

/* The usual sequence is a query (miss) for an id, then the insert of that same
 * id: the hash of the last query is kept so the insert does not recompute it. */
static _Thread_local struct {
    int valid;
    uint8_t len;
    uint8_t id[TA__SID_MAX];
    uint64_t h;
    const uint64_t *slots; /* the table where the last query missed, */
    size_t slot;           /* and the empty slot it ended on */
} ta__hint;

/* The slot table is probed at random, one cache miss per call at 1M ids; huge
 * pages (where the kernel offers them) spare the TLB miss on top. mmap also
 * gives zeroed memory. */
static void *ta__big_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static uint64_t *ta__slots_alloc(size_t nslots)
{
    return ta__big_alloc(nslots * sizeof(uint64_t));
}

static void ta__slots_free(uint64_t *slots, size_t nslots)
{
    if (ta__hint.slots == slots)
        ta__hint.slots = NULL; /* the address may come back for another table */
    if (slots != NULL)
        munmap(slots, nslots * sizeof(uint64_t));
}

static ta_status ta__sid_set_rehash(ta__sid_set *s, size_t nslots)
{
    uint64_t *slots = ta__slots_alloc(nslots);
    TA_ENSURE(slots != NULL, TA_E_NOMEM, "id set: %zu slots", nslots);
    for (size_t i = 0; i < s->n; i++) {
        const uint8_t *e = s->ids + i * TA__ENTRY;
        uint64_t h = ta__sid_hash(e + 1, e[0]);
        size_t j = h & (nslots - 1);
        while (slots[j] != 0)
            j = (j + 1) & (nslots - 1);
        slots[j] = TA__SLOT(h, i + 1);
    }
    ta__slots_free(s->slots, s->nslots);
    s->slots = slots;
    s->nslots = nslots;
    return TA_OK;
}

ta_status ta__sid_set_init(ta__sid_set *s, size_t expected)
{
    size_t nslots = 64;
    memset(s, 0, sizeof(*s));
    if (expected < 16)
        expected = 16;
    while (nslots < expected * 2)
        nslots <<= 1;
    s->ids = malloc(expected * TA__ENTRY); /* written in order: no huge pages needed */
    TA_ENSURE(s->ids != NULL, TA_E_NOMEM, "id set: %zu ids", expected);
    s->cap = expected;
    return ta__sid_set_rehash(s, nslots);
}

void ta__sid_set_free(ta__sid_set *s)
{
    if (s == NULL)
        return;
    free(s->ids);
    ta__slots_free(s->slots, s->nslots);
    memset(s, 0, sizeof(*s));
}

static size_t ta__sid_set_find(const ta__sid_set *s, const uint8_t *id, unsigned len, uint64_t h,
                               int *found)
{
    size_t j = h & (s->nslots - 1);
    *found = 0;
    while (s->slots[j] != 0) {
        if (TA__SLOT_TAG(s->slots[j]) == h >> 32) {
            const uint8_t *e = s->ids + (size_t)(TA__SLOT_IDX(s->slots[j]) - 1) * TA__ENTRY;
            if (e[0] == len && memcmp(e + 1, id, len) == 0) {
                *found = 1;
                break;
            }
        }
        j = (j + 1) & (s->nslots - 1);
    }
    return j;
}

static uint64_t ta__sid_hash_hinted(const uint8_t *id, unsigned len)
{
    if (ta__hint.valid && ta__hint.len == len && memcmp(ta__hint.id, id, len) == 0)
        return ta__hint.h;
    ta__hint.valid = 1;
    ta__hint.slots = NULL;
    ta__hint.len = (uint8_t)len;
    memcpy(ta__hint.id, id, len);
    return ta__hint.h = ta__sid_hash(id, len);
}

int ta__sid_set_has(const ta__sid_set *s, const uint8_t *id, unsigned len)
{
    int found;
    if (s == NULL || s->nslots == 0 || len > TA__SID_MAX)
        return 0;
    size_t j = ta__sid_set_find(s, id, len, ta__sid_hash_hinted(id, len), &found);
    if (!found) {
        ta__hint.slots = s->slots;
        ta__hint.slot = j;
    }
    return found;
}


int ta__sid_set_add(ta__sid_set *s, const uint8_t *id, unsigned len)
{
    int found;
    size_t j;
    uint64_t h;

    if (len > TA__SID_MAX)
        return 0;
    h = ta__sid_hash_hinted(id, len);
    if (ta__hint.slots == s->slots && s->slots[ta__hint.slot] == 0) {
        /* This id's query missed here and nothing took the slot since: the
         * probe would end on the same empty slot. */
        j = ta__hint.slot;
        found = 0;
    } else {
        j = ta__sid_set_find(s, id, len, h, &found);
    }
    ta__hint.slots = NULL;
    if (found)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap * 2;
        uint8_t *ids = realloc(s->ids, cap * TA__ENTRY);
        TA_ENSURE(ids != NULL, TA_E_NOMEM, "id set: %zu ids", cap);
        s->ids = ids;
        s->cap = cap;
    }
    if ((s->n + 1) * 2 > s->nslots) {
        TA_GUARD(ta__sid_set_rehash(s, s->nslots * 2));
        j = ta__sid_set_find(s, id, len, h, &found);
    }
    uint8_t *e = s->ids + s->n * TA__ENTRY;
    e[0] = (uint8_t)len;
    memcpy(e + 1, id, len);
    memset(e + 1 + len, 0, TA__SID_MAX - len);
    s->slots[j] = TA__SLOT(h, ++s->n);
    return 1;
}

const uint8_t *ta__sid_set_get(const ta__sid_set *s, size_t i, unsigned *out_len)
{
    const uint8_t *e = s->ids + i * TA__ENTRY;
    *out_len = e[0];
    return e + 1;
}
