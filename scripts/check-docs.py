#!/usr/bin/env python3
"""Every public function (declared PETSC_EXTERN in include/*.h) has a manual-page comment (/*@C ... @*/ or /** ... */)
right above its definition in src/. Prints the undocumented ones and exits 1 if there are any.

    scripts/check-docs.py [REPO_ROOT]
"""
import os
import re
import sys

DECL = re.compile(r"PETSC_EXTERN\s+[\w\s\*]+?\b(Curio\w+)\s*\(")


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    public = {}
    for name in sorted(os.listdir(os.path.join(root, "include"))):
        if name.endswith(".h"):
            for m in DECL.finditer(open(os.path.join(root, "include", name)).read()):
                public[m.group(1)] = name
    defined, documented = {}, set()
    for dirpath, _, names in os.walk(os.path.join(root, "src")):
        for name in names:
            if not name.endswith(".c"):
                continue
            path = os.path.join(dirpath, name)
            text = open(path, encoding="utf-8", errors="replace").read()
            for fn in public:
                m = re.search(r"^(?:PetscErrorCode|PetscBool|PetscReal|void|int|const char \*const)\s+" + fn + r"\s*\(", text, re.M)
                if not m:
                    continue
                defined[fn] = os.path.relpath(path, root)
                before = text[: m.start()].rstrip()
                if before.endswith("@*/") or before.endswith("*/") and "/**" in before[before.rfind("/*") - 1 :]:
                    documented.add(fn)
    missing = sorted(fn for fn in public if fn in defined and fn not in documented)
    for fn in missing:
        print(f"{defined[fn]}: {fn} (declared in include/{public[fn]}) has no manual-page comment")
    print(f"check-docs: {len(public)} public functions, {len(defined)} defined in src/, {len(missing)} undocumented")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
