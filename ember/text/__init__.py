"""ember.text: tokenizers, vocabularies, corpora, language-model batches, padding and
pretrained token embeddings (d2l's chapters 8-10 and the notes' IMDB preprocessing)."""
from .tokenize import tokenize, basic_english_normalize, get_tokenizer
from .vocab import Vocab, count_corpus
from .padding import truncate_pad, build_array, pad
from .corpus import DEFAULT_CORPUS, preprocess_line, read_text, load_corpus
from .lm_data import seq_data_iter_random, seq_data_iter_sequential, SeqDataLoader, load_data_lm
from .translation import preprocess_nmt, tokenize_nmt, read_translation_file, load_translation_data, make_toy_translation, write_translation_pairs
from .bleu import bleu, mean_bleu
from .embedding import TokenEmbedding
from .lm import RNNModel, rnn_lm, grad_clipping, train_epoch, evaluate_perplexity, predict
from .imdb import read_imdb, read_imdb_tsv, read_kaggle_imdb, make_toy_reviews, write_toy_imdb, load_imdb
from .word2vec_data import (read_ptb, subsample, get_centers_and_contexts, RandomGenerator, get_negatives, batchify,
                            load_word2vec_data, load_data_ptb)
from . import bert_data
