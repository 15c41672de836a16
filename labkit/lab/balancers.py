"""Where a lab's load balancer answers: `load_balancer_url(lab, name_or_arn)`.

In mock and local modes a load balancer's HTTP listener is a small proxy on 127.0.0.1 (never all interfaces) that
forwards real requests to the healthy targets of its target groups (`labkit.mock.elb.proxy`); in real mode it is
the load balancer's public DNS name, where AWS answers.
"""

from __future__ import annotations

from typing import Any

from labkit.errors import InvalidInput


def _real_url(lab: Any, name_or_arn: str) -> str | None:
    from botocore.exceptions import ClientError

    elbv2 = lab.client("elbv2")
    key = "LoadBalancerArns" if name_or_arn.startswith("arn:") else "Names"
    try:
        if "." in name_or_arn:  # a DNS name: no filter for it, so read them all
            pages = elbv2.get_paginator("describe_load_balancers").paginate()
            found = [b for page in pages for b in page["LoadBalancers"] if b["DNSName"] == name_or_arn]
        else:
            found = elbv2.describe_load_balancers(**{key: [name_or_arn]})["LoadBalancers"]
    except ClientError as err:
        raise InvalidInput(f"no load balancer {name_or_arn!r} in this lab's account and region ({err}); give the name "
                           "or ARN create_load_balancer returned.") from err
    if not found:
        raise InvalidInput(f"no load balancer {name_or_arn!r} in this lab's account and region; give the name, ARN "
                           "or DNS name create_load_balancer returned.")
    balancer = found[0]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    http = sorted((li["Port"] for li in listeners if li["Protocol"] == "HTTP"), key=lambda p: (p != 80, p))
    if not http:
        return None
    return f"http://{balancer['DNSName']}" + ("" if http[0] == 80 else f":{http[0]}")


def load_balancer_url(lab: Any, name_or_arn: str) -> str | None:
    """The base URL where a load balancer's HTTP listener answers (port 80 first); None when it has none.

    Mock and local modes: http://127.0.0.1:PORT, a loopback proxy started on first use and stopped with the lab.
    Real mode: http://DNS-NAME (AWS's, reachable once the load balancer is active).
    """
    if not isinstance(name_or_arn, str) or not name_or_arn:
        raise InvalidInput(f"load_balancer_url({name_or_arn!r}): give a load balancer's name, ARN or DNS name.")
    if lab.mode == "real":
        return _real_url(lab, name_or_arn)
    return lab._control.load_balancer_url(lab.account_id, lab.region, name_or_arn)
