"""`python -m bench`: generate (or reuse) the databases, time the services, print the figures."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from bench import BACKENDS, DATA_DIR, DEFAULT_SIZES

ADMIN_URL_ENV = "PORTAL_BENCH_DATABASE_URL"


def _size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=lambda s: [_size(x) for x in s.split(",") if x.strip()],
        default=list(DEFAULT_SIZES),
        help="numbers of cases, comma-separated (10000,100000,1000000 or 10k,100k,1M; default all three)",
    )
    parser.add_argument(
        "--backends",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        default=list(BACKENDS),
        help="sqlite,postgresql (default both; PostgreSQL needs $" + ADMIN_URL_ENV + ")",
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement after one warm-up (7)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases even if cached")
    parser.add_argument(
        "--imports", action="store_true", help="measure `portal import cases` instead (see bench/imports.py)"
    )
    parser.add_argument(
        "--render", action="store_true", help="time the KPI overview page render instead (see bench/render.py)"
    )
    parser.add_argument(
        "--reports", action="store_true", help="time compiling the weekly report instead (see bench/reports.py)"
    )
    parser.add_argument("--import-rows", type=_size, default=100_000, help="rows of the imported file (100k)")
    parser.add_argument(
        "--import-formats",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip() in ("csv", "xlsx")],
        default=["csv", "xlsx"],
        help="csv,xlsx (default both)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    unknown = set(args.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(sorted(unknown))}; use {', '.join(BACKENDS)}")
    if args.repeat < 1 or not args.sizes or min(args.sizes) < 1:
        parser.error("--repeat and every size must be at least 1")
    return args


def _alternative(
    args: argparse.Namespace, backends: list[str], admin_url: str | None
) -> tuple[str, list[dict[str, Any]]] | None:
    """The figures of --imports, --render or --reports (instead of the service timings), with their JSON key."""
    if args.imports:
        from bench.imports import run as run_imports

        return "imports", run_imports(backends, args.import_rows, admin_url, args.import_formats)
    if args.render:
        from bench.render import run as run_render

        return "render", run_render(backends, args.sizes, admin_url, args.repeat)
    if args.reports:
        from bench.reports import run as run_reports

        return "reports", run_reports(backends, args.sizes, admin_url, args.repeat)
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Everything the portal writes goes under bench/.data/var, never ./var.
    os.environ["PORTAL_DATA_DIR"] = str(DATA_DIR / "var")
    from bench import report
    from bench.run import bench_target, pg_version
    from portal.config import reset_settings

    reset_settings()
    admin_url = os.environ.get(ADMIN_URL_ENV) or None
    backends = list(args.backends)
    version = None
    if "postgresql" in backends:
        if admin_url is None:
            print(f"{ADMIN_URL_ENV} is not set: skipping PostgreSQL.\n")
            backends.remove("postgresql")
        else:
            try:
                version = pg_version(admin_url)
            except Exception as exc:  # any failure to connect: skip PostgreSQL
                print(f"PostgreSQL at {ADMIN_URL_ENV} is not reachable ({exc.__class__.__name__}): skipping it.\n")
                backends.remove("postgresql")
    if not backends:
        print("Nothing to measure.")
        return 1
    machine = report.machine(version)
    report.print_machine(machine)
    alternative = _alternative(args, backends, admin_url)
    if alternative is not None:
        name, figures = alternative
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"machine": machine, name: figures}, ensure_ascii=False, indent=2))
        return 0
    blocks: list[dict[str, Any]] = []
    for backend in backends:
        for size in args.sizes:
            blocks.append(bench_target(backend, size, admin_url, repeat=args.repeat, fresh=args.fresh))
            if args.json:
                report.write_json(args.json, machine, blocks)
    print("=" * 100)
    report.print_machine(machine | {"load_average": report.load_average()})
    report.print_generation(blocks)
    report.print_figures(blocks)
    if args.json:
        print(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
