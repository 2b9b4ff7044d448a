#!/usr/bin/env python3
"""The function-length check: no C function in src/ has a body of more than 100 lines (the lines from its opening
brace to its closing brace, both counted), except a numerical kernel whose opening comment block, or the line just
above that block, says why with the marker `long: REASON` at the start of a comment line, e.g.

    /* long: one fused pass over U; split, its accumulators would go through memory */

Prints every function over the limit and exits 1 if there are any.

    scripts/check-functions.py [--selftest] [REPO_ROOT]
"""
import os
import re
import sys

LIMIT = 100
MARKER = re.compile(r"(?:^|/\*|//)[\s*]*long: \S")  # at the start of a comment line, not "too long: ..."
IDENT = re.compile(r"([A-Za-z_]\w*)\s*$")


def blank_comments_and_literals(text):
    """text with comments, string and character literals and preprocessor lines replaced by spaces (newlines kept),
    so that braces are counted in code only; and the (start line, end line) of every comment, 0-based"""
    out, comments = list(text), []
    i, n, line = 0, len(text), 0
    at_line_start = True

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            at_line_start = True
            i += 1
            continue
        if at_line_start and c == "#":
            # a preprocessor line, with its continuations: a macro's braces are not a function's
            j = i
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 2
                    line += 1
                    continue
                if text.startswith("/*", j):
                    break  # a comment after the directive is scanned as a comment
                j += 1
            blank(i, j)
            i = j
            continue
        if not c.isspace():
            at_line_start = False
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            end = line + text.count("\n", i, j)
            comments.append((line, end))
            blank(i, j)
            line = end
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append((line, line))
            blank(i, j)
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i, min(j + 1, n))
            i = j + 1
        else:
            i += 1
    return "".join(out), comments


def function_name(decl):
    """the name of the function a declaration defines, or None if the declaration is no function's
    (a struct, an initializer, ...)"""
    decl = decl.rstrip()
    if not decl.endswith(")") or "=" in decl.split("(", 1)[0]:
        return None
    depth = 0
    for k in range(len(decl) - 1, -1, -1):
        if decl[k] == ")":
            depth += 1
        elif decl[k] == "(":
            depth -= 1
            if depth == 0:
                m = IDENT.search(decl[:k])
                if m and m.group(1) not in ("if", "for", "while", "switch", "return", "sizeof"):
                    return m.group(1)
                return None
    return None


def functions(text):
    """(name, signature line, opening line, closing line) of every function defined in text, 0-based lines"""
    code, comments = blank_comments_and_literals(text)
    found, depth, decl_start, line = [], 0, 0, 0
    open_at = None
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            if depth == 0:
                name = function_name(code[decl_start:i])
                if name:
                    sig = decl_start + len(code[decl_start:i]) - len(code[decl_start:i].lstrip())
                    open_at = (name, code.count("\n", 0, sig), line)
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                if open_at:
                    found.append(open_at + (line,))
                open_at = None
                decl_start = i + 1
        elif c == ";" and depth == 0:
            decl_start = i + 1
    return found, comments


def marked_long(lines, comments, sig_line):
    """whether the comment block right above a function's signature, or the line above that block, has the marker"""
    ends = {end: start for start, end in comments}
    top = sig_line
    while top - 1 in ends:  # the opening comment block: the comments that end right above it
        top = ends[top - 1]
        if lines[top].strip() and not lines[top].lstrip().startswith(("/*", "//")):
            break  # a comment that closes a line of code is not the function's
    return any(MARKER.search(lines[k]) for k in range(max(top - 1, 0), sig_line))


def check(root):
    long_functions, count = [], 0
    for dirpath, _, names in os.walk(os.path.join(root, "src")):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            text = open(path, encoding="utf-8", errors="replace").read()
            lines = text.split("\n")
            found, comments = functions(text)
            count += len(found)
            for fn, sig, opening, closing in found:
                body = closing - opening + 1
                if body > LIMIT and not marked_long(lines, comments, sig):
                    long_functions.append((os.path.relpath(path, root), sig + 1, fn, body))
    return sorted(long_functions), count


def selftest():
    """A function of 101 lines (brace to brace) is caught, one of 100 is not, nor one with the marker (but a comment
    that merely says "long: " is no marker), and braces in comments, strings and macros are not counted."""
    import tempfile

    body = "".join(f"  x += {k};\n" for k in range(LIMIT - 1))
    text = (
        '#define OPEN {\n/* a brace { in a comment */\nstatic const char *s = "}";\n'
        f"static int Long(int x)\n{{\n{body}}}\n\n"
        f"/* a kernel\n   long: one pass over the data */\nstatic int Marked(int x)\n{{\n{body}}}\n\n"
        f"/* this comment is too long: not a marker */\nstatic int Unmarked(int x)\n{{\n{body}}}\n\n"
        f"/* long: this marker belongs to Short */\nstatic int Short(int x)\n{{\n  return x;\n}}\n"
        f"static int Bare(int x)\n{{\n{body}}}\n"
        f"static int Exact(int x)\n{{\n{body[body.index(chr(10)) + 1 :]}}}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "src"))
        with open(os.path.join(tmp, "src", "t.c"), "w") as f:
            f.write(text)
        long_functions, count = check(tmp)
    names = sorted(fn for _, _, fn, _ in long_functions)
    if count != 6 or names != ["Bare", "Long", "Unmarked"] or any(body != LIMIT + 1 for *_, body in long_functions):
        print(f"check-functions selftest: expected Bare, Long and Unmarked of {LIMIT + 1} lines among 6 functions, got {long_functions} among {count}")
        return 1
    print("check-functions selftest: a long function is caught, a marked one is not")
    return 0


def main():
    args = [a for a in sys.argv[1:] if a != "--selftest"]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    if "--selftest" in sys.argv and selftest():
        return 1
    long_functions, count = check(root)
    for path, line, fn, body in long_functions:
        print(f"{path}:{line}: {fn} has {body} body lines (limit {LIMIT}): split it into helpers, or mark a numerical kernel "
              f"with 'long: REASON' in its opening comment")
    print(f"check-functions: {count} functions, {len(long_functions)} over {LIMIT} lines")
    return 1 if long_functions else 0


if __name__ == "__main__":
    sys.exit(main())
