"""How good a decoder's outputs are: exact match, phoneme and word error rates."""


# --- metrics --------------------------------------------------------------------------------------
def exact_match(references, hypotheses):
    """The fraction of outputs equal to their reference (or to one of its alternatives).

    Texts are compared token by token, tokens being separated by whitespace.

    Args and Returns: as `phoneme_error_rate`, a float in [0, 1].

    Example:

    >>> exact_match(["2009-06-25", "1951-01-03"], ["2009-06-25", "1951-01-30"])
    0.5
    """
    pairs = _metric_pairs(references, hypotheses)
    return sum(any(ref == hyp for ref in refs) for refs, hyp in pairs) / len(pairs)


def _tokens(pronunciation, name):
    """ "K AE T" -> ["K", "AE", "T"]."""
    if isinstance(pronunciation, str):
        return pronunciation.split()
    raise TypeError(
        f"Argument `{name}` must hold strings of tokens separated by spaces ('K AE T'), "
        f"got {pronunciation!r}."
    )


def _metric_pairs(references, hypotheses):
    """[(alternatives as token lists, hypothesis as a token list)], checked."""
    if isinstance(references, str) or isinstance(hypotheses, str):
        raise TypeError("Arguments `references` and `hypotheses` must be lists, not strings.")
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses) or not references:
        raise ValueError(
            "Arguments `references` and `hypotheses` must be non-empty and as long, got "
            f"{len(references)} and {len(hypotheses)}."
        )
    pairs = []
    for ref, hyp in zip(references, hypotheses):
        alternatives = [ref] if isinstance(ref, str) else list(ref)
        if not alternatives:
            raise ValueError("Argument `references` holds an empty list of alternatives.")
        pairs.append(([_tokens(a, "references") for a in alternatives], _tokens(hyp, "hypotheses")))
    return pairs


def _distance(reference, hypothesis):
    """Levenshtein distance: the fewest substitutions, insertions and deletions of tokens."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(reference, hypothesis)


def phoneme_error_rate(references, hypotheses):
    """PER: edit distance over phonemes, summed, divided by the references' phonemes.

        PER = Σ_i d(r_i, h_i) / Σ_i |r_i|

    d is the Levenshtein distance counted in phonemes (substitutions + deletions
    + insertions). A word with several correct pronunciations is scored against
    the closest one (smallest d; on a tie, the shorter).

    Args:
        references: One entry per word: a pronunciation "K AE T" (phonemes
            separated by spaces), or a list/tuple of alternatives.
        hypotheses: One pronunciation string per word.

    Returns:
        A float >= 0 (it can exceed 1 when outputs are much too long).

    Example:

    >>> phoneme_error_rate(["K AE T", "D AO G"], ["K AE T S", "D AA G"])
    0.3333333333333333
    """
    errors = reference_length = 0
    for alternatives, hyp in _metric_pairs(references, hypotheses):
        d, length = min((_distance(ref, hyp), len(ref)) for ref in alternatives)
        errors += d
        reference_length += length
    return errors / max(reference_length, 1)


def word_error_rate(references, hypotheses):
    """WER as grapheme-to-phoneme papers count it: the fraction of words pronounced wrong.

    A word is wrong when its hypothesis differs from every correct pronunciation
    in at least one phoneme; WER = 1 - `exact_match`. (Speech recognition's WER
    is another measure: an edit distance over the words of a sentence.)

    Args and Returns: as `phoneme_error_rate`, a float in [0, 1].

    Example:

    >>> tomato = ("T AH M EY T OW", "T AH M AA T OW")  # two right pronunciations
    >>> word_error_rate([tomato, "K AE T"], ["T AH M AA T OW", "K AE"])
    0.5
    """
    return 1.0 - exact_match(references, hypotheses)
