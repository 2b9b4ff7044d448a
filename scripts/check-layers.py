#!/usr/bin/env python3
"""The include-layer check: curio's code is layered

    sys -> io -> data -> model -> solver -> analysis -> drivers (fit, sgdf, active) -> main

and a file may include only headers of its own layer or of lower layers. A source file's layer is its folder under
src/; a public header's layer is listed in HEADER_LAYER below (a header missing from the table is an error, so a new
header has to be placed deliberately). Exits 1 and names every offending #include.

    scripts/check-layers.py [--selftest] [REPO_ROOT]
"""
import os
import re
import sys

LAYERS = ["sys", "io", "data", "model", "solver", "analysis", "fit", "sgdf", "users", "active", "main"]
# the drivers fit, sgdf and active sit above analysis; active runs fits (fit), sgdf and fit do not know each other
RANK = {"sys": 0, "io": 1, "data": 2, "model": 3, "solver": 4, "analysis": 5, "fit": 6, "sgdf": 6, "users": 6, "active": 7, "main": 8}

HEADER_LAYER = {
    "curiosys.h": "sys",
    "curiooptions.h": "sys",
    "curioio.h": "io",
    "curiooutput.h": "io",
    "curiocheckpoint.h": "io",
    "curiodata.h": "data",
    "curiosparse.h": "data",
    "curiomodel.h": "model",
    "curiosolver.h": "solver",
    "curiofit.h": "solver",
    "curioanalysis.h": "analysis",
    "curioproblem.h": "fit",
    "curiosgdf.h": "sgdf",
    "curioactive.h": "active",
    "curiousers.h": "users",
    "curio.h": "main",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of_source(rel):
    parts = rel.split(os.sep)
    if parts[0] == "include":
        return HEADER_LAYER.get(parts[1])
    if parts[0] == "src":
        if len(parts) == 2:
            return "main" if parts[1] == "main.c" else None
        return parts[1] if parts[1] in RANK else None
    return None


def check(root):
    errors, files = [], 0
    for top in ("include", "src"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                layer = layer_of_source(rel)
                files += 1
                if layer is None:
                    errors.append(f"{rel}: not in a layer (folders under src/: {', '.join(LAYERS[:-1])}; public headers: HEADER_LAYER)")
                    continue
                for lineno, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    quoted, inc = m.group(1) == '"', m.group(2)
                    base = os.path.basename(inc)
                    if base in HEADER_LAYER:
                        target = HEADER_LAYER[base]
                    elif quoted:
                        # a private header: its layer is its folder
                        incpath = os.path.normpath(os.path.join(dirpath, inc))
                        target = layer_of_source(os.path.relpath(incpath, root)) if os.path.exists(incpath) else None
                        if target is None:
                            errors.append(f"{rel}:{lineno}: includes {inc}, which is in no layer")
                            continue
                    else:
                        continue  # system and library headers
                    if RANK[target] > RANK[layer] or (RANK[target] == RANK[layer] and target != layer):
                        errors.append(f"{rel}:{lineno}: layer '{layer}' includes {inc} of layer '{target}'")
    return errors, files


def selftest(root):
    """The check must fail on a copy of the tree where a lower layer includes a higher layer's header."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for top in ("include", "src"):
            shutil.copytree(os.path.join(root, top), os.path.join(tmp, top))
        victim = os.path.join(tmp, "src", "model", "model.c")
        with open(victim, "a") as f:
            f.write('\n#include <curioproblem.h>\n')
        errors, _ = check(tmp)
        if not any("src/model/model.c" in e and "curioproblem.h" in e for e in errors):
            print("check-layers selftest: an upward include was not detected")
            return 1
    print("check-layers selftest: an upward include is detected")
    return 0


def main():
    args = [a for a in sys.argv[1:] if a != "--selftest"]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    if "--selftest" in sys.argv and selftest(root):
        return 1
    errors, files = check(root)
    for e in errors:
        print(e)
    print(f"check-layers: {files} files, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
