"""Vocabularies: tokens <-> indices, with the special tokens `<pad>`, `<unk>`, `<eos>`, `<bos>`."""

import collections
import re

import numpy as np

from lessons.arguments import check_bool, check_int

SPECIAL_TOKENS = ("<pad>", "<unk>", "<eos>")
PAD, UNK, EOS = 0, 1, 2  # the special tokens' indices, as in lesson 00
BOS_TOKEN, BOS = "<bos>", 3  # begin-of-sequence, after the three (only with bos=True)

# A word is letters or digits, with inner apostrophes ("o'er", "i'll");
# every other visible character (punctuation) is a token of its own.
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[^\sa-z0-9]", re.IGNORECASE)


# --- argument checks ----------------------------------------------------------------------
def is_index_vector(ids):
    """True when the array `ids` is 1-D and holds integers (an empty one counts)."""
    return ids.ndim == 1 and (ids.size == 0 or np.issubdtype(ids.dtype, np.integer))


def check_indices(ids, size, not_indices, outside):
    """Raise unless the array `ids` is 1-D and holds indices of a vocabulary of `size`.

    Args:
        not_indices: The TypeError's message where `ids` is not a 1-D integer array.
        outside: The ValueError's message where an index is not in 0..size-1;
            `{}` in it stands for the first such index.
    """
    if not is_index_vector(ids):
        raise TypeError(not_indices)
    bad = ids[(ids < 0) | (ids >= size)]
    if bad.size:
        raise ValueError(outside.format(int(bad[0])))


def _check_corpus_strings(corpus):
    """`corpus` as a list of strings: one string, or a list/tuple of them."""
    if isinstance(corpus, str):
        return [corpus]
    if isinstance(corpus, (list, tuple)) and all(isinstance(s, str) for s in corpus):
        return list(corpus)
    raise TypeError(
        f"Argument `corpus` must be a string or a list of strings, got {type(corpus).__name__}."
    )


# --- vocabularies -------------------------------------------------------------------------
class Vocab:
    """Tokens <-> indices. The shared part of `CharVocab` and `WordVocab`.

    Attributes:
        tokens: The list of tokens; a token's position is its index
            (`index_to_token`).
        index: The dict from token to index (`token_to_index`).
        separator: What `decode` puts between tokens: "" for characters,
            " " for words.
    """

    separator = ""

    def __init__(self, tokens):
        self.tokens = list(tokens)
        self.index = {token: i for i, token in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise ValueError("A vocabulary must list each token once.")

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return token in self.index

    def __repr__(self):
        shown = ", ".join(repr(t) for t in self.tokens[:8])
        more = ", ..." if len(self.tokens) > 8 else ""
        return f"{type(self).__name__}(|V|={len(self)}: [{shown}{more}])"

    def _special(self, index):
        has = len(self.tokens) > index and self.tokens[index] == SPECIAL_TOKENS[index]
        return index if has else None

    @property
    def pad(self):
        """The index of `<pad>` (0), or None when the vocabulary has no special tokens."""
        return self._special(PAD)

    @property
    def unk(self):
        """The index of `<unk>` (1), or None when the vocabulary has no special tokens."""
        return self._special(UNK)

    @property
    def eos(self):
        """The index of `<eos>` (2), or None when the vocabulary has no special tokens."""
        return self._special(EOS)

    @property
    def bos(self):
        """The index of `<bos>` (3), or None when the vocabulary was built without it."""
        has = len(self.tokens) > BOS and self.tokens[BOS] == BOS_TOKEN and self.eos is not None
        return BOS if has else None

    @classmethod
    def from_tokens(cls, tokens):
        """A vocabulary of this class with exactly `tokens`, in that order (e.g. a saved one)."""
        if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
            raise TypeError("Argument `tokens` must be a list of strings.")
        vocab = cls.__new__(cls)
        Vocab.__init__(vocab, tokens)
        return vocab

    def split(self, text):
        """`text` as a list of tokens (characters or words); subclasses define it."""
        raise NotImplementedError

    def encode(self, text, add_eos=False):
        """The indices of the tokens of `text`.

        Args:
            text: A string (a `WordVocab` also takes a list of word tokens).
            add_eos: Whether to append `<eos>`. Default False.

        Returns:
            A 1-D int32 NumPy array. A token that is not in the vocabulary becomes
            `<unk>`.

        Raises:
            ValueError: A token is not in the vocabulary and it has no `<unk>`, or
                `add_eos` is True and it has no `<eos>`.
        """
        tokens = self.split(text)
        unk = self.unk
        ids = []
        for position, token in enumerate(tokens):
            i = self.index.get(token, unk)
            if i is None:
                raise ValueError(
                    f"Argument `text` has {token!r} at position {position}, which is not in "
                    "this vocabulary, and the vocabulary has no <unk> to stand for it (it was "
                    "built with specials=False). Build it from a corpus that holds every "
                    "token, or with specials=True."
                )
            ids.append(i)
        if check_bool("add_eos", add_eos):
            ids.append(self._require_eos("add_eos"))
        return np.asarray(ids, dtype=np.int32)

    def encode_lines(self, lines):
        """Many short texts (names, poems) as one stream: <eos> line_1 <eos> line_2 <eos> ...

        The first `<eos>` plays the start token: `sample` with an empty prefix
        feeds `<eos>` first, so a model trained on this stream starts a new line
        there.

        Args:
            lines: A non-empty list of strings.

        Returns:
            A 1-D int32 NumPy array.
        """
        if isinstance(lines, str) or not isinstance(lines, (list, tuple)):
            raise TypeError(f"Argument `lines` must be a list of strings, got {type(lines)}.")
        if not lines:
            raise ValueError("Argument `lines` is empty: give at least one line.")
        eos = self._require_eos("lines")
        parts = [np.asarray([eos], dtype=np.int32)]
        parts += [self.encode(line, add_eos=True) for line in lines]
        return np.concatenate(parts)

    def decode(self, ids):
        """The text of the indices `ids`: their tokens joined by `separator`.

        Special tokens are written as their names ("<eos>").

        Raises:
            ValueError: An index is outside 0..|V|-1.
        """
        ids = np.asarray(ids)
        check_indices(
            ids,
            len(self),
            f"Argument `ids` must be a 1-D sequence of integer indices, got shape {ids.shape} "
            f"and dtype {ids.dtype}.",
            f"Argument `ids` holds {{}}, which is not an index of this vocabulary "
            f"(0..{len(self) - 1}).",
        )
        return self.separator.join(self.tokens[i] for i in ids.tolist())

    def _require_eos(self, name):
        if self.eos is None:
            raise ValueError(
                f"Argument `{name}` needs the <eos> token, and this vocabulary has none "
                "(it was built with specials=False)."
            )
        return self.eos


class CharVocab(Vocab):
    """A character vocabulary: every character of a corpus, sorted.

    With `specials=True` (the default) the tokens are `<pad>`, `<unk>`, `<eos>`
    (indices 0, 1, 2, as in lesson 00), then the characters; an unseen character
    encodes as `<unk>`. With `specials=False` there are only the characters,
    from index 0, and encoding an unseen character raises.

    Args:
        corpus: A string, or a list of strings (names, poems, lines).
        specials: Whether to put the three special tokens first. Default True.
        bos: Whether to add `<bos>` (index 3) after them, the token a
            sequence-to-sequence decoder starts from. Needs `specials=True`.
            Default False.

    Example:

    >>> vocab = CharVocab(["Ada", "Bob"])
    >>> vocab.tokens
    ['<pad>', '<unk>', '<eos>', 'A', 'B', 'a', 'b', 'd', 'o']
    >>> vocab.encode("Bad", add_eos=True)
    array([4, 5, 7, 2], dtype=int32)
    >>> vocab.decode([4, 8, 6])
    'Bob'
    """

    separator = ""

    def __init__(self, corpus, specials=True, bos=False):
        strings = _check_corpus_strings(corpus)
        characters = sorted(set().union(*map(set, strings)))
        if not characters:
            raise ValueError(
                "Argument `corpus` is empty: a vocabulary needs at least one character."
            )
        specials = check_bool("specials", specials)
        head = _special_tokens(specials, bos)
        super().__init__(head + characters)

    def split(self, text):
        if not isinstance(text, str):
            raise TypeError(f"Argument `text` must be a string, got {type(text).__name__}.")
        return list(text)


def _special_tokens(specials, bos):
    """The tokens a vocabulary starts with: <pad> <unk> <eos>, then <bos> if asked for."""
    if not check_bool("bos", bos):
        return list(SPECIAL_TOKENS) if specials else []
    if not specials:
        raise ValueError(
            "Argument `bos` is True but `specials` is False: <bos> comes after <pad>, <unk> "
            "and <eos> (index 3), so build the vocabulary with specials=True."
        )
    return list(SPECIAL_TOKENS) + [BOS_TOKEN]


def tokenize_words(text, lower=True):
    """Split `text` into word tokens, with `<eos>` at the end of every non-blank line.

    Following the notes' "tokenize" step: words (letters or digits, with inner
    apostrophes, e.g. "o'er") and punctuation marks are tokens, and each line
    that has a token and ends with a line break gets an `<eos>` after it.

    Args:
        text: A string.
        lower: Whether to lower-case first. Default True.

    Returns:
        A list of strings.

    Example:

    >>> tokenize_words("To be, or not to be?\\nAy.\\n")
    ['to', 'be', ',', 'or', 'not', 'to', 'be', '?', '<eos>', 'ay', '.', '<eos>']
    """
    if not isinstance(text, str):
        raise TypeError(f"Argument `text` must be a string, got {type(text).__name__}.")
    lines = text.split("\n")
    tokens = []
    for k, line in enumerate(lines):
        words = _WORD.findall(line.lower() if lower else line)
        tokens += words
        if words and k < len(lines) - 1:  # the line ended with "\n"
            tokens.append(SPECIAL_TOKENS[EOS])
    return tokens


class WordVocab(Vocab):
    """A word vocabulary: the special tokens, then the `max_words` most frequent words.

    Words are ranked by count, most frequent first; ties go in sorted order, so
    the vocabulary does not depend on the order of the corpus. Words outside
    the top `max_words` encode as `<unk>` (the notes' top-K words + UNK).
    The special tokens' names in the corpus ("<eos>" from `tokenize_words`) are
    not counted as words.

    Args:
        corpus: A string (split with `tokenize_words`) or a list of word tokens.
        max_words: The number of words kept besides the 3 special tokens, so
            |V| <= max_words + 3; None keeps every word. Default None.
        bos: Whether to add `<bos>` (index 3) after the special tokens, the
            token a sequence-to-sequence decoder starts from (then
            |V| <= max_words + 4). Default False.

    Example:

    >>> vocab = WordVocab("the cat and the hat\\n", max_words=2)
    >>> vocab.tokens
    ['<pad>', '<unk>', '<eos>', 'the', 'and']
    >>> vocab.decode(vocab.encode("the cat"))
    'the <unk>'
    """

    separator = " "

    def __init__(self, corpus, max_words=None, bos=False):
        if isinstance(corpus, str):
            corpus = tokenize_words(corpus)
        elif not isinstance(corpus, (list, tuple)) or not all(isinstance(t, str) for t in corpus):
            raise TypeError(
                "Argument `corpus` must be a string or a list of word tokens (strings), "
                f"got {type(corpus).__name__}."
            )
        if max_words is not None:
            max_words = check_int("max_words", max_words)
        head = _special_tokens(True, bos)
        counts = collections.Counter(t for t in corpus if t not in head)
        if not counts:
            raise ValueError("Argument `corpus` is empty: it holds no words.")
        ranked = sorted(counts, key=lambda word: (-counts[word], word))
        super().__init__(head + ranked[:max_words])
        self.counts = counts

    def split(self, text):
        if isinstance(text, str):
            return tokenize_words(text)
        if isinstance(text, (list, tuple)) and all(isinstance(t, str) for t in text):
            return list(text)
        raise TypeError(
            f"Argument `text` must be a string or a list of word tokens, got {type(text).__name__}."
        )
