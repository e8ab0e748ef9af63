"""The summaries of sink_bench.sh and odbc_sink_bench.sh: each figure as its median over the
benchmark's rounds, with every round's value beside it (one measurement moved by up to a quarter
between runs on a shared machine)."""
import json
import statistics


def load(args):
    """The rounds, one JSON object per command-line argument."""
    return [json.loads(a) for a in args]


def figs(rounds, f, fmt):
    """The median of f over the rounds, and each round's value formatted with fmt, " / " apart."""
    v = [f(r) for r in rounds]
    return statistics.median(v), " / ".join(format(x, fmt) for x in v)


def header(n, what, rounds):
    return (f"rows: {n}, 16 partitions, Connect JSON with schema, {what}; "
            f"{len(rounds)} rounds: medians, then [each round]")
