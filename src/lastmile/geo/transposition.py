"""House numbers one digit-swap away from another place on the same street.

Swapping two adjacent digits (``2400`` typed as ``4200``) is among the commonest slips
in a house number, and the slipped number often names a real building on the same
street, far from the intended one. Nothing in the typed string is wrong then, so the
only honest signal is that a single transposition would move the answer a long way:
such answers go to review unless the typed ZIP tells the two places apart. A swap of
the last two digits stays in the same hundred-block (US numbering runs ~100 a block), so
a driver there still reads the right numbers on the doors: only swaps that change the
block count.
"""

from __future__ import annotations

# Farther than this and a driver sent to the wrong one of the two is no longer "at the
# door": a few blocks of walking, or a different stretch of a long road.
TRANSPOSITION_GAP_M = 250.0


def transpositions(number: int) -> list[int]:
    """Return the numbers in another block made by swapping two adjacent digits.

    Swaps that would start with a zero are not numbers anyone types and are left out;
    swaps that keep the hundred-block (``2120`` -> ``2102``) are left out too.

    Examples
    --------
    >>> transpositions(2400)
    [4200, 2040]
    >>> transpositions(2120)
    [1220, 2210]
    >>> transpositions(1111)
    []
    """
    digits = str(number)
    out: list[int] = []
    for i in range(len(digits) - 1):
        if digits[i] == digits[i + 1]:
            continue
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        other = int(swapped)
        if swapped[0] != "0" and other // 100 != number // 100 and other not in out:
            out.append(other)
    return out
