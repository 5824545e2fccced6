"""d2l's sentence BLEU against values worked out by hand."""
import math

import pytest

from ember.text.bleu import bleu, mean_bleu


def test_d2l_examples():
    # d2l 10.7.6's translations of 'go .', "he's calm ." and "i'm home ."
    assert bleu("va !", "va !", k=2) == 1.0
    # il est riche . / il est calme .: p1 = 3/4, p2 = 1/3
    assert bleu("il est riche .", "il est calme .", k=2) == pytest.approx((3 / 4) ** 0.5 * (1 / 3) ** 0.25)
    assert round(bleu("il est riche .", "il est calme .", k=2), 3) == 0.658
    # je suis en retard ? / je suis chez moi .: p1 = 2/5, p2 = 1/4
    assert round(bleu("je suis en retard ?", "je suis chez moi .", k=2), 3) == 0.447


def test_brevity_penalty():
    # every n-gram matches, but the prediction has 2 tokens for a 4-token label
    assert bleu("a b", "a b c d", k=2) == pytest.approx(math.exp(1 - 4 / 2))
    # a longer prediction is not penalised for length, only through precision
    assert bleu("a b c d", "a b", k=2) == pytest.approx((2 / 4) ** 0.5 * (1 / 3) ** 0.25)


def test_clipped_counts():
    # 'the' occurs once in the label, so only one of the three predicted 'the' matches
    assert bleu("the the the", "the cat", k=1) == pytest.approx((1 / 3) ** 0.5)
    assert bleu("the the the", "the cat", k=2) == 0.0


def test_weights_per_order():
    # p1 = 4/5, p2 = 2/4, p3 = 1/3 with weights 1/2, 1/4, 1/8
    want = (4 / 5) ** 0.5 * (2 / 4) ** 0.25 * (1 / 3) ** 0.125
    assert bleu("a b c x e", "a b c d e", k=3) == pytest.approx(want)
    assert bleu("a b c x e", "a b c d e", k=1) == pytest.approx((4 / 5) ** 0.5)


def test_short_and_empty_predictions_score_zero():
    assert bleu("a", "a b", k=2) == 0.0          # no bigram to match (d2l divides by zero)
    assert bleu("", "a b", k=2) == 0.0
    assert bleu("a", "a", k=1) == 1.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="bleu: k must be a positive int"):
        bleu("a", "a", k=0)
    with pytest.raises(TypeError, match="bleu: expected two strings"):
        bleu(["a"], "a")


def test_mean_bleu():
    assert mean_bleu(["va !", "a b"], ["va !", "a b c d"]) == pytest.approx((1 + math.exp(-1)) / 2)
    with pytest.raises(ValueError, match="1 predictions but 2 references"):
        mean_bleu(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="no sentence pairs"):
        mean_bleu([], [])
