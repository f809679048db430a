"""Just enough of the shell to evaluate an os-release assignment's value the way `eval` in system-info.sh does."""

import re


def eval_assignment(text: str, variables: dict[str, str]) -> str:
    """Quote removal and $VAR expansion of one shell word (the text after `NAME=`)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            end = text.find("'", i + 1)
            end = len(text) if end < 0 else end
            out.append(text[i + 1:end])
            i = end + 1
        elif ch == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in '"\\$`':
                    out.append(text[i + 1])
                    i += 2
                elif text[i] == "$":
                    value, i = _expand(text, i, variables)
                    out.append(value)
                else:
                    out.append(text[i])
                    i += 1
            i += 1
        elif ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == "$":
            value, i = _expand(text, i, variables)
            out.append(value)
        elif ch in " \t#;":
            break
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _expand(text: str, i: int, variables: dict[str, str]) -> tuple[str, int]:
    match = re.match(r"\$(?:\{(\w+)\}|(\w+))", text[i:])
    if not match:
        return "$", i + 1
    return variables.get(match.group(1) or match.group(2), ""), i + match.end()
