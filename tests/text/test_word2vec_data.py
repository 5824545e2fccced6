"""word2vec data: corpus readers, subsampling and negative-sampling statistics, center/context
windows, batchify (d2l's worked example) and the DataLoader."""
import collections
import math

import numpy as np
import pytest

import ember
from ember.text import Vocab
from ember.text.word2vec_data import (RandomGenerator, batchify, get_centers_and_contexts, get_negatives,
                                      keep_probability, load_word2vec_data, make_cooccurrence_corpus, noise_weights,
                                      read_ptb, read_text_corpus, subsample)


def test_read_ptb(tmp_path):
    (tmp_path / "ptb.train.txt").write_text(" aer banknote berlitz \n pierre <unk> N years old \n\n")
    want = [["aer", "banknote", "berlitz"], ["pierre", "<unk>", "N", "years", "old"]]
    assert read_ptb(tmp_path / "ptb.train.txt") == want
    assert read_ptb(tmp_path) == want  # a folder holding ptb.train.txt
    with pytest.raises(FileNotFoundError):
        read_ptb(tmp_path / "nope.txt")


def test_read_text_corpus(tmp_path):
    (tmp_path / "a.txt").write_text("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\n"
                                    "Everyone is permitted to copy it. You can't change\nit; ok!\n")
    (tmp_path / "b.txt").write_text("Second file: pair3a topic1c2.")
    sents = read_text_corpus([tmp_path / "a.txt", str(tmp_path / "b.txt")])
    assert sents == [["gnu", "general", "public", "license", "version", "3", "29", "june", "2007"],
                     ["everyone", "is", "permitted", "to", "copy", "it"], ["you", "can't", "change", "it"], ["ok"],
                     ["second", "file"], ["pair3a", "topic1c2"]]


def test_subsample_keep_rate_follows_sqrt_formula():
    # "the" is 60% of the tokens, "cat" 0.15%: keep rates sqrt(t/f), capped at 1
    rng = np.random.default_rng(0)
    sentences = [["the"] * 6 + ["a"] * 3 + ["dog"] for _ in range(2000)] + [["cat", "zzz"]] * 20 + [["cat"]] * 10
    vocab = Vocab(sentences, min_freq=21)  # "zzz" (20 times) is <unk> and always dropped
    assert "zzz" not in vocab
    t = 2e-3
    out, counter = subsample(sentences, vocab, t=t, rng=rng)
    assert "zzz" not in counter and counter["the"] == 12000 and counter["cat"] == 30
    total = sum(counter.values())
    kept = collections.Counter(tok for line in out for tok in line)
    for tok in ("the", "a", "dog"):
        p = math.sqrt(t * total / counter[tok])
        assert keep_probability(counter, t)[tok] == pytest.approx(p)
        n = counter[tok]
        # within 5 standard deviations of the binomial mean
        assert abs(kept[tok] - n * p) < 5 * math.sqrt(n * p * (1 - p)), tok
    assert kept["cat"] == 30 and keep_probability(counter, t)["cat"] == 1.0  # rare: always kept


def test_centers_and_contexts_windows():
    corpus = [list(range(7)), list(range(7, 10)), [42]]  # d2l's tiny dataset; a 1-token line is skipped
    sizes = collections.Counter()
    for seed in range(200):
        centers, contexts = get_centers_and_contexts(corpus, 2, rng=seed)
        assert centers == list(range(10))
        for c, ctx in zip(centers, contexts):
            line = corpus[0] if c < 7 else corpus[1]
            i = line.index(c)
            assert c not in ctx and ctx
            left = [x for x in ctx if x < c]
            right = [x for x in ctx if x > c]
            w = max(len(left), len(right))
            assert 1 <= w <= 2
            # a contiguous window of the same size on both sides (cut at the line ends)
            assert left == line[max(0, i - w):i] and right == line[i + 1:i + 1 + w]
            if 2 <= i <= len(line) - 3:
                sizes[len(ctx)] += 1
    # window sizes 1 and 2 drawn uniformly (contexts of 2 or 4 words away from the ends)
    assert set(sizes) == {2, 4} and abs(sizes[2] - sizes[4]) < 0.15 * sum(sizes.values())
    with pytest.raises(ValueError, match="max_window_size"):
        get_centers_and_contexts(corpus, 0)


def test_random_generator_frequencies():
    gen = RandomGenerator([2, 3, 4], rng=0)
    draws = [gen.draw() for _ in range(30000)]
    freq = np.bincount(draws, minlength=4) / len(draws)
    assert freq[0] == 0  # index 0 (<unk>) is never drawn
    np.testing.assert_allclose(freq[1:], np.array([2, 3, 4]) / 9, atol=0.01)
    with pytest.raises(ValueError, match="sampling_weights"):
        RandomGenerator([0, 0])
    with pytest.raises(ValueError, match="sampling_weights"):
        RandomGenerator([1, -1])


def test_negatives_follow_count_to_the_075():
    counts = {"a": 1000, "b": 300, "c": 100, "d": 30, "e": 10}
    sentences = [[w] * n for w, n in counts.items()]
    vocab = Vocab(sentences)
    counter = collections.Counter({w: n for w, n in counts.items()})
    weights = noise_weights(vocab, counter)
    assert weights == pytest.approx([counts[vocab.to_tokens(i)] ** 0.75 for i in range(1, len(vocab))])
    contexts = [[vocab["e"]]] * 6000
    negs = get_negatives(contexts, vocab, counter, K=5, rng=1)
    assert all(len(n) == 5 for n in negs)
    flat = np.array([x for n in negs for x in n])
    assert vocab["e"] not in flat  # a context word is never its own noise word
    # expected frequencies: count^0.75 renormalised over the words other than "e"
    w = np.array([counts[t] ** 0.75 for t in "abcd"])
    got = np.array([(flat == vocab[t]).mean() for t in "abcd"])
    np.testing.assert_allclose(got, w / w.sum(), atol=0.01)
    assert not np.allclose(got, np.array([counts[t] for t in "abcd"]) / sum(counts[t] for t in "abcd"), atol=0.02)


def test_negatives_refuse_an_impossible_draw():
    vocab = Vocab([["a", "b"]])
    with pytest.raises(ValueError, match="too small"):
        get_negatives([[1, 2]], vocab, collections.Counter({"a": 1, "b": 1}), K=2, rng=0)


def test_batchify_d2l_example():
    x_1 = (1, [2, 2], [3, 3, 3, 3])
    x_2 = (1, [2, 2, 2], [3, 3])
    centers, ctx_neg, masks, labels = batchify((x_1, x_2))
    assert centers.tolist() == [[1], [1]]
    assert ctx_neg.tolist() == [[2, 2, 3, 3, 3, 3], [2, 2, 2, 3, 3, 0]]
    assert masks.tolist() == [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]]
    assert labels.tolist() == [[1, 1, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0]]
    assert all(t.dtype == ember.int64 for t in (centers, ctx_neg, masks, labels))


def test_cooccurrence_corpus_structure():
    sents, pairs = make_cooccurrence_corpus(80, num_pairs=4, seed=2)
    assert pairs == [(f"pair{i}a", f"pair{i}b") for i in range(4)]
    for s, line in enumerate(sents):
        i = s % 4
        planted = [w for w in line if not w.startswith("w")]
        assert len(planted) == 3 and sum(w in pairs[i] for w in planted) == 1
        assert all(w.startswith(f"topic{i}c") for w in planted if w not in pairs[i])
    assert make_cooccurrence_corpus(80, num_pairs=4, seed=2)[0] == sents


def test_load_word2vec_data():
    sents, _ = make_cooccurrence_corpus(300, seed=0)
    loader, vocab = load_word2vec_data(sents, batch_size=32, max_window_size=3, num_noise_words=4, min_freq=3,
                                       t=1e-3, seed=0)
    assert "pair0a" in vocab and vocab.to_tokens(0) == "<unk>"
    center, ctx_neg, mask, label = next(iter(loader))
    assert tuple(center.shape) == (32, 1) and ctx_neg.shape == mask.shape == label.shape
    m, lab = mask.numpy(), label.numpy()
    n_ctx, n_real = lab.sum(1), m.sum(1)
    assert np.all(n_real == 5 * n_ctx)  # 4 noise words per context word
    assert np.all(lab <= m) and ctx_neg.numpy()[m == 0].sum() == 0
    again, _ = load_word2vec_data(sents, batch_size=32, max_window_size=3, num_noise_words=4, min_freq=3, t=1e-3,
                                  seed=0)
    assert [b.tolist() for b in next(iter(again))] == [b.tolist() for b in (center, ctx_neg, mask, label)]
    with pytest.raises(ValueError, match="min_freq"):
        load_word2vec_data([["a", "b"]], min_freq=5)
