"""IMDB readers on small files in the real layouts (aclImdb tree, Kaggle TSV), the toy
review generator and ``load_imdb``'s tensors."""
import os

import pytest

import ember
from ember.text import Vocab, basic_english_normalize, truncate_pad
from ember.text.imdb import (NEGATIVE_WORDS, POSITIVE_WORDS, clean_review, imdb_features, is_acl_imdb,
                             is_kaggle_imdb, load_imdb, make_toy_reviews, read_imdb, read_imdb_tsv, read_kaggle_imdb,
                             write_toy_imdb)


def _write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        f.write(text)


@pytest.fixture
def acl(tmp_path):
    base = tmp_path / "aclImdb"
    _write(str(base / "train/pos/10_9.txt"), "Great film.<br /><br />Loved it.\n")
    _write(str(base / "train/pos/2_7.txt"), "Nice \"quoted\" bit")
    _write(str(base / "train/neg/0_3.txt"), "Awful.\nJust awful.")
    _write(str(base / "train/neg/readme"), "not a review")  # only *.txt files are reviews
    _write(str(base / "test/pos/1_10.txt"), "Superb")
    _write(str(base / "test/neg/5_1.txt"), "Dreadful café".encode("utf-8"), "wb")
    return base


def test_read_imdb_acl_tree(acl):
    data, labels = read_imdb(acl, is_train=True)
    # positives first (by numeric id), then negatives; newlines removed as d2l does
    assert data == ["Nice \"quoted\" bit", "Great film.<br /><br />Loved it.", "Awful.Just awful."]
    assert labels == [1, 1, 0]
    data, labels = read_imdb(str(acl), is_train=False)
    assert data == ["Superb", "Dreadful café"] and labels == [1, 0]
    assert is_acl_imdb(acl) and not is_kaggle_imdb(acl)


def test_read_imdb_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="aclImdb layout"):
        read_imdb(tmp_path, True)


# Kaggle's files: quoted ids and reviews, \" inside quotes, <br /> tags, a literal backslash as \\
LABELED = ('id\tsentiment\treview\n'
           '"5814_8"\t1\t"With all this stuff going down at the moment with MJ i\'ve started listening to his music, '
           'watching \\"Moonwalker\\" again.<br /><br />Visually impressive."\n'
           '"2381_9"\t1\t"\\"The Classic War of the Worlds\\" by Timothy Hines is a very entertaining film."\n'
           '"7759_3"\t0\t"The film starts with a manager (Nicholas Bell) giving welcome; a back\\\\slash here."\n')
TEST = ('id\treview\n'
        '"12311_10"\t"Naturally in a film who\'s main themes are of mortality, \\"nostalgia\\"."\n'
        '"8348_2"\t"This movie is a disaster within a disaster film.<br />"\n')
UNLABELED = 'id\treview\n"9999_0"\t"Watching Time Chasers, it obvious that it was made by a bunch of friends."\n'


def test_read_kaggle_tsv(tmp_path):
    _write(str(tmp_path / "labeledTrainData.tsv"), LABELED)
    t = read_imdb_tsv(tmp_path / "labeledTrainData.tsv")
    assert t.ids == ["5814_8", "2381_9", "7759_3"]
    assert t.labels == [1, 1, 0]
    assert t.reviews[0].startswith("With all this stuff") and 'watching "Moonwalker" again.<br /><br />' in t.reviews[0]
    assert t.reviews[1] == '"The Classic War of the Worlds" by Timothy Hines is a very entertaining film.'
    assert t.reviews[2].endswith("a back\\slash here.")
    _write(str(tmp_path / "testData.tsv"), TEST)
    _write(str(tmp_path / "unlabeledTrainData.tsv"), UNLABELED)
    te = read_imdb_tsv(tmp_path / "testData.tsv")
    assert te.ids == ["12311_10", "8348_2"] and te.labels is None
    assert te.reviews[0] == 'Naturally in a film who\'s main themes are of mortality, "nostalgia".'
    un = read_imdb_tsv(tmp_path / "unlabeledTrainData.tsv")
    assert un.ids == ["9999_0"] and un.labels is None and un.reviews[0].startswith("Watching Time Chasers")
    train, test = read_kaggle_imdb(tmp_path)
    assert train == t and test == te
    assert is_kaggle_imdb(tmp_path) and not is_acl_imdb(tmp_path)


def test_read_kaggle_tsv_matches_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    _write(str(tmp_path / "l.tsv"), LABELED)
    df = pd.read_csv(tmp_path / "l.tsv", sep="\t", escapechar="\\")
    t = read_imdb_tsv(tmp_path / "l.tsv")
    assert t.ids == list(df["id"]) and t.labels == list(df["sentiment"]) and t.reviews == list(df["review"])


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("name\ttext\n", "expected columns id"),
    ('id\tsentiment\treview\n"1_1"\t7\t"x"\n', "sentiment '7', expected 0 or 1"),
    ('id\tsentiment\treview\n"1_1"\t"x"\n', "line 2 has 2 fields, expected 3"),
])
def test_read_kaggle_tsv_errors(tmp_path, text, message):
    _write(str(tmp_path / "bad.tsv"), text)
    with pytest.raises(ValueError, match=message):
        read_imdb_tsv(tmp_path / "bad.tsv")
    with pytest.raises(FileNotFoundError):
        read_imdb_tsv(tmp_path / "missing.tsv")


def test_clean_review():
    assert clean_review("a<br />b<BR/>c<br>d\ne") == "a b c d e"


def test_toy_reviews_plant_sentiment_words():
    reviews, labels = make_toy_reviews(200, seed=3)
    assert (reviews, labels) == make_toy_reviews(200, seed=3)
    assert make_toy_reviews(200, seed=4)[0] != reviews
    assert sum(labels) == 100 and set(labels) == {0, 1}
    assert all("<br /><br />" in r for r in reviews) and any('"' in r for r in reviews)
    for r, lab in zip(reviews, labels):
        toks = basic_english_normalize(r)
        pos = sum(t in POSITIVE_WORDS for t in toks)
        neg = sum(t in NEGATIVE_WORDS for t in toks)
        assert (pos > neg) if lab else (neg > pos)


@pytest.mark.parametrize("layout", ["aclimdb", "kaggle"])
def test_write_toy_imdb_round_trips_through_the_readers(tmp_path, layout):
    path = write_toy_imdb(tmp_path, n_train=40, n_test=20, seed=1, layout=layout)
    reviews, labels = make_toy_reviews(40, 1)
    if layout == "aclimdb":
        data, labs = read_imdb(path, True)
        want = sorted(zip(reviews, labels), key=lambda p: -p[1])  # positives first, by id
        assert list(zip(data, labs)) == want
        assert len(read_imdb(path, False)[0]) == 20
    else:
        train, test = read_kaggle_imdb(path)
        assert train.reviews == reviews and train.labels == labels
        assert len(test.ids) == 20 and test.labels is None
        # ids carry the rating, as Kaggle's: >= 7 positive, <= 4 negative
        test_labels = make_toy_reviews(20, 1 + 10_000)[1]
        assert [int(i.split("_")[1]) >= 7 for i in test.ids] == [bool(v) for v in test_labels]
    with pytest.raises(ValueError, match="unknown layout"):
        write_toy_imdb(tmp_path, 2, 2, layout="zip")


def test_imdb_features_truncate_and_pad():
    vocab = Vocab([["great", "film"], ["great"]], reserved_tokens=["<pad>"])
    x = imdb_features(["Great film!<br />great great", "film"], vocab, 4)
    assert x.dtype == ember.int64 and tuple(x.shape) == (2, 4)
    pad = vocab["<pad>"]
    want = [truncate_pad(vocab[basic_english_normalize(r)], 4, pad) for r in ["Great film! great great", "film"]]
    assert x.tolist() == want and x.tolist()[1][1:] == [pad] * 3


def test_load_imdb_toy_acl_kaggle(tmp_path):
    train_iter, test_iter, vocab = load_imdb(batch_size=16, num_steps=30, toy_size=(64, 32), min_freq=2)
    x, y = next(iter(train_iter))
    assert tuple(x.shape) == (16, 30) and x.dtype == ember.int64 and y.dtype == ember.int64
    assert len(train_iter.dataset) == 64 and len(test_iter.dataset) == 32
    assert "<pad>" in vocab and vocab.to_tokens(0) == "<unk>" and "great" in vocab
    acl = write_toy_imdb(tmp_path / "a", 30, 10, layout="aclimdb")
    tr, te, v = load_imdb(8, 20, acl, min_freq=1)
    assert len(tr.dataset) == 30 and len(te.dataset) == 10
    assert sorted(te.dataset.tensors[1].tolist()) == sorted(make_toy_reviews(10, 10_000)[1])
    kag = write_toy_imdb(tmp_path / "k", 50, 12, layout="kaggle")
    tr, te, v, extra = load_imdb(8, 20, kag, min_freq=1, return_test_ids=True)
    assert len(tr.dataset) == 40 and len(te.dataset) == 10  # 20% of the labelled reviews held out
    ids, feats = extra
    assert len(ids) == 12 and tuple(feats.shape) == (12, 20)
    assert load_imdb(8, 20, acl, return_test_ids=True)[3] is None
    with pytest.raises(FileNotFoundError, match="neither an aclImdb folder"):
        load_imdb(8, 20, tmp_path)
