/*
 * sanitized.h - TA_TEST_SANITIZED: 1 when the suite is built with
 * AddressSanitizer (tools/check's second pass; gcc and clang spell it
 * differently), else 0. For cases that cannot run there, or that the plain pass
 * covers at a cost the sanitizers multiply.
 */
#ifndef TA_TEST_SANITIZED_H
#define TA_TEST_SANITIZED_H

#if defined(__SANITIZE_ADDRESS__)
#define TA_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TA_TEST_SANITIZED 1
#endif
#endif
#ifndef TA_TEST_SANITIZED
#define TA_TEST_SANITIZED 0
#endif

#endif
