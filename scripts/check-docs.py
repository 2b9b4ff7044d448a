#!/usr/bin/env python3
"""Every public function (declared PETSC_EXTERN in include/*.h) has a manual-page comment (/*@C ... @*/ or /** ... */)
right above its definition in src/, and every Markdown document of the repository links only inside it: each
relative link [text](target) resolves to a file or directory of the repository (anchors and http(s)/mailto links
are not checked), and no document points at a path outside the repository ("../shared/..."), so that a plain clone
reads complete. Prints what is wrong and exits 1 if anything is.

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
    bad, ndocs = check_links(root)
    for b in bad:
        print(b)
    print(f"check-docs: {ndocs} Markdown documents, {len(bad)} links outside the repository or broken")
    return 1 if missing or bad else 0


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"\.\./shared\b")
SKIP_DIRS = {".git", "build", "build-bench", "runs", "node_modules"}


def check_links(root):
    """Broken or outside links in every *.md of the repository (the build trees excepted)"""
    bad, ndocs = [], 0
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
        for name in names:
            if not name.endswith(".md"):
                continue
            ndocs += 1
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            for lineno, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
                if OUTSIDE.search(line):
                    bad.append(f"{rel}:{lineno}: points outside the repository: {line.strip()[:100]}")
                for target in LINK.findall(line):
                    if re.match(r"[a-z]+:", target) or target.startswith("#"):
                        continue
                    file = target.split("#", 1)[0]
                    full = os.path.normpath(os.path.join(dirpath, file))
                    if not full.startswith(root + os.sep) and full != root:
                        bad.append(f"{rel}:{lineno}: link '{target}' leaves the repository")
                    elif not os.path.exists(full):
                        bad.append(f"{rel}:{lineno}: link '{target}' does not resolve")
    return bad, ndocs


if __name__ == "__main__":
    sys.exit(main())
