"""keepalived.conf text for labs: the blocks tests, the demo and benchmarks put together."""


def real_server(addr, port=80, weight=1, check="tcp"):
    """A real_server with a fast TCP_CHECK (or none with check=None)."""
    checker = ""
    if check == "tcp":
        checker = """
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }"""
    return f"""    real_server {addr} {port} {{
        weight {weight}{checker}
    }}
"""


def virtual_server(vip, servers, port=80, algo="mh", kind="DR", protocol="TCP", delay_loop=1, extra=""):
    """A virtual_server over `servers`: addresses, or ready real_server blocks."""
    blocks = "".join(s if s.lstrip().startswith("real_server") else real_server(s, port) for s in servers)
    return f"""virtual_server {vip} {port} {{
    delay_loop {delay_loop}
    lb_algo {algo}
    lb_kind {kind}
    protocol {protocol}
{extra}{blocks}}}
"""


def vrrp_instance(name, vrid, priority, vips, interface="eth0", state="BACKUP", advert_int=1, password="1111",
                  extra=""):
    auth = f"""    authentication {{
        auth_type PASS
        auth_pass {password}
    }}
""" if password else ""
    addresses = "".join(f"        {v}\n" for v in vips)
    return f"""vrrp_instance {name} {{
    state {state}
    interface {interface}
    virtual_router_id {vrid}
    priority {priority}
    advert_int {advert_int}
{auth}    virtual_ipaddress {{
{addresses}    }}
{extra}}}
"""


def config(router_id, *blocks):
    return f"""global_defs {{
    router_id {router_id}
}}

""" + "\n".join(blocks)
