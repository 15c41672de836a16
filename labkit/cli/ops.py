"""`python -m labkit.cli.ops lesson-costs [REGION]`: print the README's table of what each lesson costs for real."""

from __future__ import annotations

import sys

from labkit.cli.exit_codes import EXIT_OK, EXIT_USAGE


# --- lesson costs (the README's real-mode table) ------------------------------------------------------------------
def lesson_costs_markdown(region: str = "us-east-1") -> str:
    """The README's table of what each lesson costs for real, computed from labkit.pricing."""
    from labkit.course.lessons import lesson_costs
    from labkit.data import facts
    from labkit.model.pricing import load_balancer_hourly, rates

    rows = lesson_costs(region)
    lines = ["| Lesson | What runs for real | Cost |", "|---|---|---|"]
    lines += [f"| `{row.lesson}` | {row.description} | {row.cost_text} |" for row in rows]
    total = sum(row.total for row in rows)
    lines.append(f"| **all lessons** | | **${total:.4f}** |")
    on_demand = rates(region)
    lines += ["", f"Fargate on-demand rates for {region}, Linux/X86, as of {on_demand.as_of}: "
                  f"${on_demand.vcpu_hour:g} per vCPU-hour and ${on_demand.gb_hour:g} per GB-hour, each task billed "
                  f"at least {facts()['billing']['minimum_seconds']['LINUX']} s. An Application Load Balancer: "
                  f"${load_balancer_hourly(region):g} an hour or partial hour, LCUs included at labkit's budget. "
                  f"Fargate tasks and load balancers only: {facts()['billing']['other_charges']}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m labkit.cli.ops lesson-costs`: print the README's real-mode cost table."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] != ["lesson-costs"]:
        print("usage: python -m labkit.cli.ops lesson-costs [REGION]", file=sys.stderr)
        return EXIT_USAGE
    print(lesson_costs_markdown(*argv[1:2]))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
