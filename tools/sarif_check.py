#!/usr/bin/env python3
"""tools/sarif_check.py RESULTS FILE...: the structural check of tools/validate-sarif.

Step 2 of validate-sarif (which runs it; see its header): every object kind
tlsaudit writes, with its required members, their types and no unknown member,
plus what the schema cannot say (each result's ruleIndex names the rule with its
ruleId, unique rule ids, and RESULTS >= 0: the number of results of each file).
Problems go to stdout, one a line, prefixed with the file's name when there are
several files. Exit 0 every file valid, 1 some file invalid, 2 an unreadable file.
"""
# Structural check of SARIF 2.1.0 (OASIS SARIF v2.1.0; member names, required
# members and value types of §3.13 sarifLog .. §3.49 reportingDescriptor).
import json, sys

want_results, paths = int(sys.argv[1]), sys.argv[2:]
problems = []
def bad(where, what):
    problems.append(f"{where}: {what}")

# kind -> (required members, allowed members); None: not described further here.
SPEC = {
    "sarifLog": ({"version", "runs"}, {"$schema", "version", "runs", "inlineExternalProperties", "properties"}),
    "run": ({"tool"}, {"tool", "invocations", "conversion", "language", "versionControlProvenance",
            "originalUriBaseIds", "artifacts", "logicalLocations", "graphs", "results",
            "automationDetails", "runAggregates", "baselineGuid", "redactionTokens",
            "defaultEncoding", "defaultSourceLanguage", "newlineSequences", "columnKind",
            "externalPropertyFileReferences", "threadFlowLocations", "taxonomies", "addresses",
            "translations", "policies", "webRequests", "webResponses", "specialLocations",
            "properties"}),
    "tool": ({"driver"}, {"driver", "extensions", "properties"}),
    "toolComponent": ({"name"}, {"guid", "name", "organization", "product", "productSuite",
            "shortDescription", "fullDescription", "fullName", "version", "semanticVersion",
            "dottedQuadFileVersion", "releaseDateUtc", "downloadUri", "informationUri",
            "globalMessageStrings", "notifications", "rules", "taxa", "locations", "language",
            "contents", "isComprehensive", "localizedDataSemanticVersion",
            "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent",
            "translationMetadata", "supportedTaxonomies", "properties"}),
    "reportingDescriptor": ({"id"}, {"id", "deprecatedIds", "guid", "deprecatedGuids", "name",
            "deprecatedNames", "shortDescription", "fullDescription", "messageStrings",
            "defaultConfiguration", "helpUri", "help", "relationships", "properties"}),
    "multiformatMessageString": ({"text"}, {"text", "markdown", "properties"}),
    "reportingConfiguration": (set(), {"enabled", "level", "rank", "parameters", "properties"}),
    "result": ({"message"}, {"ruleId", "ruleIndex", "rule", "kind", "level", "message",
            "analysisTarget", "locations", "guid", "correlationGuid", "occurrenceCount",
            "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs",
            "graphTraversals", "relatedLocations", "suppressions", "baselineState", "rank",
            "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa",
            "webRequest", "webResponse", "properties"}),
    "message": (set(), {"text", "markdown", "id", "arguments", "properties"}),
    "location": (set(), {"id", "physicalLocation", "logicalLocations", "message", "annotations",
            "relationships", "properties"}),
    "physicalLocation": (set(), {"address", "artifactLocation", "region", "contextRegion", "properties"}),
    "artifactLocation": (set(), {"uri", "uriBaseId", "index", "description", "properties"}),
    "region": (set(), {"startLine", "startColumn", "endLine", "endColumn", "charOffset",
            "charLength", "byteOffset", "byteLength", "snippet", "message", "sourceLanguage",
            "properties"}),
    "logicalLocation": (set(), {"name", "index", "fullyQualifiedName", "decoratedName",
            "parentIndex", "kind", "properties"}),
}
LEVELS = {"none", "note", "warning", "error"}
KINDS = {"notApplicable", "pass", "fail", "review", "open", "informational"}

def obj(where, v, kind):
    if not isinstance(v, dict):
        bad(where, f"a {kind} must be an object, not {type(v).__name__}")
        return False
    req, allowed = SPEC[kind]
    for k in sorted(req - v.keys()):
        bad(where, f"{kind} lacks required member '{k}'")
    for k in sorted(v.keys() - allowed):
        bad(where, f"{kind} has unknown member '{k}'")
    if "properties" in v and not isinstance(v["properties"], dict):
        bad(where + "/properties", "a property bag must be an object")
    return True

def string(where, v, nonempty=False):
    if not isinstance(v, str):
        bad(where, f"must be a string, not {type(v).__name__}")
    elif nonempty and not v:
        bad(where, "must not be empty")

def integer(where, v, minimum):
    if not isinstance(v, int) or isinstance(v, bool):
        bad(where, f"must be an integer, not {type(v).__name__}")
    elif v < minimum:
        bad(where, f"must be >= {minimum}, is {v}")

def array(where, v):
    if not isinstance(v, list):
        bad(where, f"must be an array, not {type(v).__name__}")
        return []
    return v

def mstring(where, v):
    if obj(where, v, "multiformatMessageString"):
        string(where + "/text", v.get("text", ""))

def message(where, v):
    if obj(where, v, "message"):
        if "text" not in v and "id" not in v:
            bad(where, "a message needs 'text' or 'id'")
        for k in ("text", "markdown", "id"):
            if k in v:
                string(f"{where}/{k}", v[k])

def location(where, v):
    if not obj(where, v, "location"):
        return
    if "physicalLocation" in v:
        pw, p = where + "/physicalLocation", v["physicalLocation"]
        if obj(pw, p, "physicalLocation"):
            if "address" not in p and "artifactLocation" not in p:
                bad(pw, "needs 'address' or 'artifactLocation'")
            if "artifactLocation" in p and obj(pw + "/artifactLocation", p["artifactLocation"], "artifactLocation"):
                if "uri" in p["artifactLocation"]:
                    u = p["artifactLocation"]["uri"]
                    string(pw + "/artifactLocation/uri", u, nonempty=True)
                    if isinstance(u, str) and any(c in u for c in ' "<>\\^`{|}') :
                        bad(pw + "/artifactLocation/uri", f"not a URI reference: {u!r}")
            if "region" in p and obj(pw + "/region", p["region"], "region"):
                for k in ("startLine", "startColumn", "endLine", "endColumn"):
                    if k in p["region"]:
                        integer(f"{pw}/region/{k}", p["region"][k], 1)
    for i, l in enumerate(array(where + "/logicalLocations", v.get("logicalLocations", []))):
        lw = f"{where}/logicalLocations/{i}"
        if obj(lw, l, "logicalLocation"):
            for k in ("name", "fullyQualifiedName", "kind"):
                if k in l:
                    string(f"{lw}/{k}", l[k], nonempty=True)

def run(where, r):
    if not obj(where, r, "run"):
        return 0
    rules = []
    tool = r.get("tool")
    if obj(where + "/tool", tool, "tool"):
        dw, d = where + "/tool/driver", tool.get("driver")
        if obj(dw, d, "toolComponent"):
            string(dw + "/name", d.get("name", ""), nonempty=True)
            if "version" in d:
                string(dw + "/version", d["version"])
            seen = set()
            for i, rule in enumerate(array(dw + "/rules", d.get("rules", []))):
                rw = f"{dw}/rules/{i}"
                if not obj(rw, rule, "reportingDescriptor"):
                    rules.append(None)
                    continue
                string(rw + "/id", rule.get("id", ""), nonempty=True)
                rules.append(rule.get("id"))
                if rule.get("id") in seen:
                    bad(rw, f"rule id {rule.get('id')!r} appears twice")
                seen.add(rule.get("id"))
                for k in ("shortDescription", "fullDescription", "help"):
                    if k in rule:
                        mstring(f"{rw}/{k}", rule[k])
                if "defaultConfiguration" in rule:
                    cw, c = rw + "/defaultConfiguration", rule["defaultConfiguration"]
                    if obj(cw, c, "reportingConfiguration") and "level" in c and c["level"] not in LEVELS:
                        bad(cw + "/level", f"{c['level']!r} is not one of {sorted(LEVELS)}")
    n = 0
    for i, res in enumerate(array(where + "/results", r.get("results", []))):
        n += 1
        w = f"{where}/results/{i}"
        if not obj(w, res, "result"):
            continue
        message(w + "/message", res.get("message"))
        if "ruleId" in res:
            string(w + "/ruleId", res["ruleId"], nonempty=True)
        if "level" in res and res["level"] not in LEVELS:
            bad(w + "/level", f"{res['level']!r} is not one of {sorted(LEVELS)}")
        if "kind" in res and res["kind"] not in KINDS:
            bad(w + "/kind", f"{res['kind']!r} is not one of {sorted(KINDS)}")
        if "ruleIndex" in res:
            integer(w + "/ruleIndex", res["ruleIndex"], -1)
            ix = res["ruleIndex"]
            # SARIF 3.27.6: ruleIndex indexes tool.driver.rules, and the rule there
            # must carry the result's ruleId.
            if isinstance(ix, int) and ix >= 0:
                if ix >= len(rules):
                    bad(w + "/ruleIndex", f"{ix} is past the {len(rules)} rules")
                elif "ruleId" in res and rules[ix] != res["ruleId"]:
                    bad(w + "/ruleIndex", f"names rule {rules[ix]!r}, the result says {res['ruleId']!r}")
        if "ruleId" not in res and "rule" not in res:
            bad(w, "a result needs 'ruleId' or 'rule'")
        for j, loc in enumerate(array(w + "/locations", res.get("locations", []))):
            location(f"{w}/locations/{j}", loc)
    return n

def check(path):
    """Problems of one file (a list of lines); 2 when it cannot be read."""
    global problems
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        print(f"validate-sarif: cannot read {path}: {e}", file=sys.stderr)
        return 2, 0
    except json.JSONDecodeError as e:
        return ["not JSON: %s" % e], 0
    total = 0
    if obj("/", log, "sarifLog"):
        if log.get("version") != "2.1.0":
            bad("/version", f"must be \"2.1.0\", is {log.get('version')!r}")
        if "$schema" in log:
            string("/$schema", log["$schema"], nonempty=True)
        runs = log.get("runs")
        if runs is not None:
            for i, r in enumerate(array("/runs", runs)):
                total += run(f"/runs/{i}", r)
    if want_results >= 0 and total != want_results:
        bad("/runs/*/results", f"{total} results, expected {want_results}")
    return problems, total

status = 0
for path in paths:
    tag = "validate-sarif: " + (path + ": " if len(paths) > 1 else "") + "structure: "
    found, total = check(path)
    if found == 2:
        sys.exit(2)
    for p in found:
        print(tag + p)
    if found:
        status = 1
    else:
        print(f"{tag}valid SARIF 2.1.0, {total} results", file=sys.stderr)
sys.exit(status)
