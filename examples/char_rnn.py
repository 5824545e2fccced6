"""The char-rnn recipe from Python: ``ember train char-rnn`` then ``ember generate``.

Same as running, in a shell:
    ember train char-rnn --epochs 40 --max-tokens 10000 --hidden 128 --out runs/char-rnn-example
    ember generate runs/char-rnn-example/checkpoint.pt --prefix "the " --num-chars 60 --greedy
    ember generate runs/char-rnn-example/checkpoint.pt --prefix "the " --num-chars 60 --temperature 0.8 --seed 1
The full recipe defaults (GRU, hidden 256, 50 epochs over all of GPL-3) take a few minutes."""
import _common
from ember.cli.main import main

p = _common.parser(__doc__, epochs=40)
p.add_argument("--data", default=None, help="text file (default /usr/share/common-licenses/GPL-3)")
p.add_argument("--out", default="runs/char-rnn-example")
args = p.parse_args()

data = ["--data", args.data] if args.data else []
rc = main(["train", "char-rnn", "--epochs", str(args.epochs), "--max-tokens", "10000", "--hidden", "128",
           "--out", args.out, *data])
if rc == 0:
    ckpt = f"{args.out}/checkpoint.pt"
    main(["generate", ckpt, "--prefix", "the ", "--num-chars", "60", "--greedy"])
    main(["generate", ckpt, "--prefix", "the ", "--num-chars", "60", "--temperature", "0.8", "--seed", "1"])
