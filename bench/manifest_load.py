"""`manifest-load`: load_manifest (line-aware parse, schema and cross-field checks) vs plain YAML parsing."""

from __future__ import annotations

from bench.harness import BenchContext, Measurement, interleaved

NAME = "manifest-load"
RUNS = 200
WHAT_WE_DO = "positions, JSON Schema, cross-field checks, typed model"


def run(ctx: BenchContext) -> list[Measurement]:
    import yaml

    from platform_cli.manifest import load_manifest

    manifest = ctx.repo / "ai-feature.yaml"
    runs = ctx.runs(RUNS)

    def ours() -> None:
        load_manifest(manifest)

    def safe_load() -> None:
        yaml.safe_load(manifest.read_text(encoding="utf-8"))

    median, reference = interleaved(ours, safe_load, runs, warmup=3)
    results = [
        Measurement(
            NAME, "load_manifest (warm)", median, "yaml.safe_load (pure-Python)", reference, runs, WHAT_WE_DO
        )
    ]
    # load_manifest parses with libyaml when PyYAML has it, so also compare with the fastest plain parse.
    c_loader: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
    if c_loader is not None:
        loader = c_loader

        def c_load() -> None:
            yaml.load(manifest.read_text(encoding="utf-8"), Loader=loader)  # CSafeLoader: safe

        median, reference = interleaved(ours, c_load, runs, warmup=3)
        results.append(
            Measurement(
                NAME,
                "load_manifest (warm)",
                median,
                "yaml.load, CSafeLoader (libyaml)",
                reference,
                runs,
                WHAT_WE_DO,
            )
        )
    return results
