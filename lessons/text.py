"""Text for language models: vocabularies, training windows, perplexity and sampling.

A language model gives the probability of a sequence one token at a time
(lecture notes, sequence models 1.6)::

    P(y^<1>, ..., y^<T_y>) = P(y^<1>) P(y^<2> | y^<1>) ... P(y^<T_y> | y^<1>, ..., y^<T_y - 1>)

An RNN computes each factor: it reads x^<t> = y^<t-1> and outputs
ŷ^<t> = softmax(W_ya a^<t> + b_y), a distribution over the vocabulary for the
next token. This module holds what such a model needs around it:

- `CharVocab`, `WordVocab`: tokens <-> indices, with lesson 00's special tokens
  `<pad>` = 0, `<unk>` = 1, `<eos>` = 2 (`PAD`, `UNK`, `EOS`); `tokenize_words`.
  With `bos=True` they also hold `<bos>` = 3 (`BOS`), the start token a
  sequence-to-sequence decoder reads first (`lessons.seq2seq`).
- `windows`: a `tf.data.Dataset` of (input, target) windows cut from a corpus,
  the target being the input shifted by one step; `bucketed_batches` and
  `pad_sequences`: padded batches of sentences of similar length (tagging).
- `cross_entropy`, `perplexity`, `bits_per_char`: how well a model predicts
  held-out text (a uniform model scores a perplexity of exactly |V|).
- `sample`, `apply_temperature`, `Stepper`: new text, drawn one token at a
  time and fed back (notes 1.7).

Temperature τ: ŷ is reshaped to p_i^(1/τ) (normalized) before each draw.
`temperature=0` is allowed and means greedy decoding (always the argmax, the
limit τ -> 0); a negative, NaN or infinite temperature raises ValueError, a
non-number TypeError.

The model interface. Every function here that takes a `model` expects a
language model that maps a batch of index sequences, integers of shape
`(batch, T)`, to probabilities of shape `(batch, T, |V|)`: at step t, a
distribution over the vocabulary for the token that follows x^<t> (so the
model ends with a softmax, as ŷ does on the slides). For example::

    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(len(vocab), 32),          # x^<t> as a vector
        keras.layers.RNN(lessons.GRUCell(256), return_sequences=True),  # a^<t>
        keras.layers.Dense(len(vocab), activation="softmax"),          # ŷ^<t>
    ])

The embedding is the one-hot x^<t> times a matrix, done as a lookup.
"""

import collections
import math
import numbers
import re
import weakref

import keras
import numpy as np

from lessons.arguments import check_int

SPECIAL_TOKENS = ("<pad>", "<unk>", "<eos>")
PAD, UNK, EOS = 0, 1, 2  # the special tokens' indices, as in lesson 00
BOS_TOKEN, BOS = "<bos>", 3  # begin-of-sequence, after the three (only with bos=True)

# A word is letters or digits, with inner apostrophes ("o'er", "i'll");
# every other visible character (punctuation) is a token of its own.
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[^\sa-z0-9]", re.IGNORECASE)


# --- argument checks ----------------------------------------------------------------------
def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Argument `{name}` must be True or False, got {value!r}.")
    return bool(value)


def _check_temperature(temperature):
    """A finite number >= 0: 0 means greedy (argmax), negative raises."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(
            f"Argument `temperature` must be a number >= 0, got {temperature!r} "
            f"of type {type(temperature).__name__}."
        )
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(
            f"Argument `temperature` must be a finite number >= 0 (0 = greedy: always the "
            f"most likely token), got {temperature}."
        )
    return float(temperature)


def _rng(seed):
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    message = f"Argument `seed` must be None, an integer >= 0 or a numpy Generator, got {seed!r}."
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(message)
    if seed < 0:
        raise ValueError(message)
    return np.random.default_rng(int(seed))


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
        if _check_bool("add_eos", add_eos):
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
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise TypeError(
                f"Argument `ids` must be a 1-D sequence of integer indices, got shape "
                f"{ids.shape} and dtype {ids.dtype}."
            )
        bad = ids[(ids < 0) | (ids >= len(self))]
        if bad.size:
            raise ValueError(
                f"Argument `ids` holds {int(bad[0])}, which is not an index of this "
                f"vocabulary (0..{len(self) - 1})."
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
        specials = _check_bool("specials", specials)
        head = _special_tokens(specials, bos)
        super().__init__(head + characters)

    def split(self, text):
        if not isinstance(text, str):
            raise TypeError(f"Argument `text` must be a string, got {type(text).__name__}.")
        return list(text)


def _special_tokens(specials, bos):
    """The tokens a vocabulary starts with: <pad> <unk> <eos>, then <bos> if asked for."""
    if not _check_bool("bos", bos):
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


# --- training windows -----------------------------------------------------------------------
def _check_ids(ids, name="ids"):
    ids = np.asarray(ids)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise TypeError(
            f"Argument `{name}` must be a 1-D sequence of integer indices (e.g. from "
            f"vocab.encode), got shape {ids.shape} and dtype {ids.dtype}."
        )
    if ids.size == 0:
        raise ValueError(f"Argument `{name}` is empty: the corpus has no tokens.")
    return ids.astype(np.int32)


def window_arrays(ids, seq_len):
    """The (input, target) windows of `windows` as two NumPy arrays (no batching).

    Window k covers ids[k L : k L + L + 1] with L = `seq_len`: its input is the
    first L of those indices, its target the last L, so target[t] = input[t + 1]
    (y^<t> = x^<t+1>). Consecutive windows overlap by one index, so every token
    but the first is a target exactly once; a tail too short for a window is dropped.

    Returns:
        `(inputs, targets)`, two int32 arrays of shape (n, L), n = (len(ids) - 1) // L.
    """
    ids = _check_ids(ids)
    seq_len = check_int("seq_len", seq_len)
    n = (len(ids) - 1) // seq_len
    if n == 0:
        raise ValueError(
            f"Argument `seq_len` is {seq_len}, but the corpus has only {len(ids)} tokens: "
            f"a window needs seq_len + 1 = {seq_len + 1}. Use a shorter seq_len."
        )
    rows = np.arange(n)[:, None] * seq_len + np.arange(seq_len + 1)[None, :]
    cut = ids[rows]
    return cut[:, :-1], cut[:, 1:]


def windows(ids, seq_len, batch_size=64, shuffle=False, seed=None, drop_remainder=False):
    """A `tf.data.Dataset` of (input, target) windows cut from one long index sequence.

    Args:
        ids: The corpus as a 1-D sequence of indices (`vocab.encode(text)`).
        seq_len: T, the number of steps per window.
        batch_size: Windows per batch. Default 64.
        shuffle: Whether to shuffle the windows (again at every epoch). Default False.
        seed: Seed of the shuffle, for runs that repeat.
        drop_remainder: Whether to drop a last, smaller batch. Training with XLA
            wants True (every batch the same shape); evaluation False (every
            window counts). Default False.

    Returns:
        A `tf.data.Dataset` of `(x, y)` int32 batches of shape (batch, seq_len),
        with y[:, t] = x[:, t + 1]: the target is the input shifted by one step.

    Example:

    >>> x, y = next(iter(windows(np.arange(10), seq_len=4, batch_size=2)))
    >>> x.numpy().tolist(), y.numpy().tolist()
    ([[0, 1, 2, 3], [4, 5, 6, 7]], [[1, 2, 3, 4], [5, 6, 7, 8]])
    """
    import tensorflow as tf

    inputs, targets = window_arrays(ids, seq_len)
    batch_size = check_int("batch_size", batch_size)
    dataset = tf.data.Dataset.from_tensor_slices((inputs, targets))
    if _check_bool("shuffle", shuffle):
        dataset = dataset.shuffle(len(inputs), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(
        batch_size, drop_remainder=_check_bool("drop_remainder", drop_remainder)
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


def pad_sequences(sequences, length=None):
    """Index sequences as one int32 array (n, length), padded at the end with `<pad>` = 0.

    `length` defaults to the longest sequence; longer sequences are an error,
    not cut, so that no token is lost without a word.
    """
    sequences = [np.asarray(s) for s in sequences]
    longest = max((len(s) for s in sequences), default=0)
    length = longest if length is None else check_int("length", length)
    if longest > length:
        raise ValueError(
            f"Argument `length` is {length}, but a sequence has {longest} tokens; "
            "pass a length of at least the longest sequence (or leave it out)."
        )
    out = np.zeros((len(sequences), length), dtype=np.int32)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return out


def bucketed_batches(inputs, targets, batch_size=64, shuffle=False, seed=0):
    """A `tf.data.Dataset` of padded (input, target) batches of similar-length sequences.

    For many-to-many tasks such as tagging, where input i and target i have the
    same length. The sequences are sorted by length and cut into batches, each
    padded with 0 only to its own longest sequence, so little work is spent on
    padding. With `shuffle`, the batches come in a new order at every epoch
    (a sequence always shares its batch with the same neighbours).

    Args:
        inputs: A list of 1-D integer sequences (e.g. word ids).
        targets: A list of 1-D integer sequences, `len(targets[i]) == len(inputs[i])`.
        batch_size: Sequences per batch. Default 64.
        shuffle: Whether to shuffle the order of the batches. Default False.
        seed: Seed of the shuffle.

    Returns:
        A `tf.data.Dataset` of `(x, y)` int32 batches of shape (batch, T_batch).
    """
    import tensorflow as tf

    if len(inputs) != len(targets) or len(inputs) == 0:
        raise ValueError(
            "Arguments `inputs` and `targets` must be non-empty lists of the same length, "
            f"got {len(inputs)} inputs and {len(targets)} targets."
        )
    lengths = [len(x) for x in inputs]
    for i, (x, y) in enumerate(zip(inputs, targets)):
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(
                f"Sequence {i}: `inputs` and `targets` must be non-empty and of the same "
                f"length, got {len(x)} and {len(y)}."
            )
    batch_size = check_int("batch_size", batch_size)
    shuffle = _check_bool("shuffle", shuffle)
    order = np.argsort(lengths, kind="stable")
    groups = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    batches = [
        (pad_sequences([inputs[i] for i in g]), pad_sequences([targets[i] for i in g]))
        for g in groups
    ]
    rng = np.random.default_rng(seed)

    def generate():
        for k in rng.permutation(len(batches)) if shuffle else range(len(batches)):
            yield batches[k]

    spec = tf.TensorSpec((None, None), tf.int32)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=(spec, spec))
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches)))


# --- perplexity ----------------------------------------------------------------------------
def _predict(model, x):
    """The model's ŷ for a batch x, as a NumPy array (compiled predict when it is Keras)."""
    if hasattr(model, "predict_on_batch"):
        return np.asarray(model.predict_on_batch(x))
    return keras.ops.convert_to_numpy(model(x))


def _check_probabilities(y_hat, where):
    totals = y_hat.sum(axis=-1)
    if np.any(y_hat < 0) or not np.allclose(totals, 1.0, atol=1e-3):
        raise ValueError(
            f"The model's output {where} should be probabilities over the vocabulary "
            "(non-negative, summing to 1 at each step), but at the first step they sum to "
            f"{float(totals.flat[0]):.4g}. End the model with Dense(|V|, activation='softmax')."
        )


def _batches(data, batch_size=64):
    if isinstance(data, tuple) and len(data) == 2:
        x, y = (np.asarray(a) for a in data)
        if x.shape != y.shape or x.ndim != 2:
            raise ValueError(
                "Argument `data` as a tuple must be (x, y), two integer arrays of the same "
                f"shape (n, T); got shapes {x.shape} and {y.shape}."
            )
        for start in range(0, len(x), batch_size):
            yield x[start : start + batch_size], y[start : start + batch_size]
        return
    if not hasattr(data, "__iter__") or isinstance(data, (str, np.ndarray)):
        raise TypeError(
            "Argument `data` must be a tf.data.Dataset of (x, y) batches (from `windows`) "
            f"or a tuple (x, y) of arrays, got {type(data).__name__}."
        )
    for x, y in data:
        yield np.asarray(x), np.asarray(y)


def cross_entropy(model, data):
    """The mean of -log ŷ^<t>[y^<t>] over every target of `data`, in nats.

    This is the notes' loss L = Σ_t L^<t>, with L^<t> = -Σ_i y_i^<t> log ŷ_i^<t>,
    divided by the number of targets; summed in float64.

    Args:
        model: A language model (see the module docstring for the interface).
        data: A `tf.data.Dataset` of (x, y) batches, e.g. from `windows`, or a
            tuple (x, y) of integer arrays of shape (n, T).

    Returns:
        A float. A target given probability 0 makes it `inf`.
    """
    total, count = 0.0, 0
    for k, (x, y) in enumerate(_batches(data)):
        y_hat = _predict(model, x)
        if y_hat.shape[:-1] != y.shape:
            raise ValueError(
                f"The model's output has shape {y_hat.shape}; for inputs of shape {x.shape} it "
                f"should be {x.shape + (y_hat.shape[-1],)} (one distribution per step). Use "
                "return_sequences=True on the recurrent layers."
            )
        if k == 0:
            _check_probabilities(y_hat, "for the first batch")
        if y.size and (y.min() < 0 or y.max() >= y_hat.shape[-1]):
            raise ValueError(
                f"A target index ({int(y.max())}) is outside the model's {y_hat.shape[-1]} "
                "outputs: was the data encoded with another vocabulary?"
            )
        p = np.take_along_axis(y_hat, y[..., None].astype(np.int64), axis=-1)[..., 0]
        with np.errstate(divide="ignore"):
            total += float(-np.log(p.astype(np.float64)).sum())
        count += y.size
    if count == 0:
        raise ValueError("Argument `data` holds no targets.")
    return total / count


def perplexity(model, data):
    """exp(cross entropy): the model is as unsure as a uniform choice among this many tokens.

    A model that gives every token probability 1/|V| scores exactly |V| (up to
    float32 rounding); a model that is always sure and right scores 1.

    Args and Returns: as `cross_entropy`, but returns exp(nats).
    """
    return math.exp(cross_entropy(model, data))


def bits_per_char(model, data):
    """Cross entropy in bits, log2(perplexity): per character for a character model.

    It is the average number of bits an ideal compressor driven by the model
    would spend per token. A uniform model over |V| tokens scores log2 |V|.

    Args and Returns: as `cross_entropy`, but returns nats / ln 2.
    """
    return cross_entropy(model, data) / math.log(2)


# --- stepping a model ------------------------------------------------------------------------
# Layers that work on each time step on its own: a Stepper can run them on one step.
_PER_STEP_LAYERS = (
    keras.layers.Embedding,
    keras.layers.Dense,
    keras.layers.Dropout,
    keras.layers.Activation,
    keras.layers.Softmax,
    keras.layers.LayerNormalization,
)
_compiled_steps = weakref.WeakKeyDictionary()  # model -> its compiled one-step function


def _steppable_layers(model):
    """The model's layers if a Stepper can run them one step at a time, else None."""
    if not isinstance(model, keras.Sequential):
        return None
    from lessons.deep import StackedRNN

    layers = []
    for layer in model.layers:
        bidirectional_stack = isinstance(layer, StackedRNN) and layer.bidirectional
        if isinstance(layer, keras.layers.Bidirectional) or bidirectional_stack:
            raise ValueError(
                f"Layer {layer.name!r} is bidirectional: it reads the future, so the model "
                "cannot be a language model (it cannot predict x^<t+1> before it has seen it)."
            )
        if isinstance(layer, keras.layers.TimeDistributed):
            layer = layer.layer
        if isinstance(layer, keras.layers.RNN):
            if not layer.return_sequences or layer.go_backwards:
                raise ValueError(
                    f"Recurrent layer {layer.name!r} must have return_sequences=True and "
                    "go_backwards=False to be part of a language model (one ŷ^<t> per step)."
                )
        elif not isinstance(layer, _PER_STEP_LAYERS):
            return None  # unknown layer: run the whole model instead
        layers.append(layer)
    return layers


def _one_step_function(layers):
    """step(x, states) -> (ŷ, new states): every layer once, recurrent cells on their state."""

    def step(x, states):
        new_states = []
        for layer in layers:
            if isinstance(layer, keras.layers.RNN):
                # One step of the cell: a^<t> = cell(x^<t>, a^<t-1>), no dropout.
                x, state = layer.cell(x, states[len(new_states)], training=False)
                new_states.append(list(state) if isinstance(state, (list, tuple)) else [state])
            else:
                x = layer(x, training=False)
        return x, new_states

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # One trace per model; the loop over layers is plain Python, so no AutoGraph.
        return tf.function(step, autograph=False, reduce_retracing=True)  # ~10x eager speed
    return step


class Stepper:
    """Feeds a language model one token at a time, keeping its state between calls.

    Sampling feeds x^<t>, reads ŷ^<t>, draws y^<t> and feeds it back as x^<t+1>.
    Running the model on the whole sequence again at every step would redo all
    earlier steps; a Stepper instead keeps each recurrent layer's state a^<t> and
    runs one step of its cell per call.

    That works for a `keras.Sequential` whose layers are recurrent
    (`keras.layers.RNN` around a cell, or `GRU`, `LSTM`, `SimpleRNN`, all with
    `return_sequences=True`) or act on each step on its own (`Embedding`, `Dense`,
    `Dropout`, `Activation`, `Softmax`, `LayerNormalization`, `TimeDistributed`).
    Any other model, or any callable with the model interface, is run on the
    whole history at each step instead: slower, same probabilities.

    Args:
        model: A language model (see the module docstring).

    Example:

    >>> stepper = Stepper(model)         # a^<0> = 0
    >>> y_hat = stepper.step(vocab.eos)  # ŷ^<1>, a NumPy array of |V| probabilities
    >>> stepper.reset()                  # back to a^<0> = 0
    """

    def __init__(self, model):
        if not callable(model):
            raise TypeError(f"Argument `model` must be a Keras model, got {type(model).__name__}.")
        self.model = model
        self.layers = _steppable_layers(model)
        self.steps_cells = self.layers is not None
        if self.steps_cells:
            if model not in _compiled_steps:
                _compiled_steps[model] = _one_step_function(self.layers)
            self._step = _compiled_steps[model]
        self.reset()

    def reset(self):
        """Start again from a^<0> = 0, with no tokens read."""
        self._read = np.zeros(256, dtype=np.int32)  # the tokens read so far, then spare room
        self._count = 0
        if self.steps_cells:
            self._states = [
                layer.cell.get_initial_state(batch_size=1)
                for layer in self.layers
                if isinstance(layer, keras.layers.RNN)
            ]

    @property
    def history(self):
        """The tokens read since the last `reset`, as a list of indices."""
        return self._read[: self._count].tolist()

    def step(self, index):
        """Read one token; return ŷ for the next one, |V| float64 probabilities."""
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Argument `index` must be an integer token index, got {index!r}.")
        if self._count == len(self._read):
            self._read = np.concatenate([self._read, np.zeros_like(self._read)])
        self._read[self._count] = index
        self._count += 1
        if self.steps_cells:
            y_hat, self._states = self._step(np.asarray([index], dtype=np.int32), self._states)
            y_hat = keras.ops.convert_to_numpy(y_hat)[0]
        else:  # run the whole history, keep the last step
            y_hat = _predict(self.model, self._read[None, : self._count])[0, -1]
        y_hat = np.array(y_hat, dtype=np.float64)  # a copy the caller may change
        if self._count == 1:
            _check_probabilities(y_hat, "at a step")
        return y_hat


# --- sampling ----------------------------------------------------------------------------------
def apply_temperature(probs, temperature):
    """Reshape a distribution: p_i^(1/τ), normalized; that is softmax(logits / τ).

    τ = 1 leaves it as it is; τ < 1 sharpens it (the likely tokens get likelier);
    τ > 1 flattens it towards uniform. As τ -> 0 it tends to all mass on the most
    likely token, so `temperature=0` means exactly that (greedy decoding).

    Args:
        probs: A 1-D array of probabilities (zeros allowed).
        temperature: τ, a finite number >= 0.

    Returns:
        A 1-D float64 array of probabilities summing to 1.
    """
    temperature = _check_temperature(temperature)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not np.any(p > 0):
        raise ValueError(
            "Argument `probs` must be a non-empty 1-D array of non-negative numbers, "
            f"not all 0; got shape {p.shape}."
        )
    if temperature == 0:
        greedy = np.zeros_like(p)
        greedy[np.argmax(p)] = 1.0
        return greedy
    with np.errstate(divide="ignore"):
        scaled = np.log(p) / temperature  # log p_i / τ; a 0 stays -inf
    scaled -= scaled.max()  # so the largest term is e^0 = 1: a small τ cannot underflow all
    q = np.exp(scaled)
    return q / q.sum()


def sample(
    model,
    vocab,
    prefix="",
    length=200,
    temperature=1.0,
    seed=None,
    stop_at_eos=True,
    allow_unk=False,
):
    """New text from a language model, drawn one token at a time (notes 1.7).

    First the model reads `<eos>`, if the vocabulary has one ("the previous line
    just ended", as in the `encode_lines` stream it was trained on), then the
    prefix: so the prefix starts a new line, name or poem. Then, at each step:
    take ŷ^<t>, drop the tokens that may not be drawn
    (`<pad>` always, `<unk>` unless `allow_unk`), reshape with the temperature,
    draw a token from it, and feed that token back as x^<t+1>.

    Refusing `<unk>` gives exactly the distribution of "draw again until it is
    not `<unk>`": the other tokens' probabilities, renormalized.

    Args:
        model: A language model (see the module docstring), e.g. Embedding ->
            `keras.layers.RNN(lessons.GRUCell(n), return_sequences=True)` ->
            Dense(|V|, softmax). Run step by step with a `Stepper`.
        vocab: The `CharVocab` or `WordVocab` the model was trained with.
        prefix: Text to start from (a string), read after `<eos>`; may be ""
            when the vocabulary has `<eos>`.
        length: The most tokens to generate (an integer >= 0). Default 200.
        temperature: τ >= 0: 1 draws from ŷ as it is, < 1 is more conservative,
            > 1 more adventurous, 0 is greedy (always the most likely token, no
            randomness). Negative raises ValueError. Default 1.
        seed: None, an integer or a `np.random.Generator`: the same seed gives the
            same text.
        stop_at_eos: Stop when `<eos>` is drawn (it is not returned), if the
            vocabulary has one. False keeps drawing, and `<eos>` appears in the
            text. Default True.
        allow_unk: Whether `<unk>` may be drawn. Default False.

    Returns:
        The generated text only (without the prefix), decoded with `vocab.decode`:
        at most `length` tokens.

    Raises:
        TypeError, ValueError: a bad argument, named in the message; the model's
            outputs are not |V| probabilities.
    """
    if not isinstance(vocab, Vocab):
        raise TypeError(
            f"Argument `vocab` must be a CharVocab or WordVocab, got {type(vocab).__name__}."
        )
    if not isinstance(prefix, str):
        raise TypeError(f"Argument `prefix` must be a string, got {type(prefix).__name__}.")
    length = check_int("length", length, minimum=0)
    temperature = _check_temperature(temperature)
    rng = _rng(seed)
    stop_at_eos = _check_bool("stop_at_eos", stop_at_eos)
    allow_unk = _check_bool("allow_unk", allow_unk)

    start = [] if vocab.eos is None else [vocab.eos]  # "the previous line just ended"
    prefix_ids = start + vocab.encode(prefix).tolist()
    if not prefix_ids:
        raise ValueError(
            "Argument `prefix` is empty and the vocabulary has no <eos> to start from; "
            "give at least one token of text."
        )
    banned = [i for i in (vocab.pad, None if allow_unk else vocab.unk) if i is not None]

    stepper = Stepper(model)
    for index in prefix_ids:
        y_hat = stepper.step(index)
    if len(y_hat) != len(vocab):
        raise ValueError(
            f"The model predicts {len(y_hat)} tokens but `vocab` has {len(vocab)}: "
            "use the vocabulary the model was trained with."
        )
    generated = []
    for _ in range(length):
        y_hat[banned] = 0.0
        if not np.any(y_hat > 0):
            raise ValueError("The model gives probability 0 to every token that may be drawn.")
        q = apply_temperature(y_hat, temperature)
        index = int(rng.choice(len(q), p=q))
        if stop_at_eos and index == vocab.eos:
            break
        generated.append(index)
        y_hat = stepper.step(index)
    return vocab.decode(generated)
