"""keepalived's notify FIFO (issue 5): every transition of an xdplbd node reaches the FIFO reader
script as one ordered line, alongside the notify scripts with keepalived's arguments."""
from xdplab import DrLab, configs, wait_until

VIP = "198.18.0.100"


def test_notify_fifo_and_notify_scripts_see_every_transition(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    fifo = tmp_path / "notify.fifo"
    fifo_out = tmp_path / "fifo.lines"
    notify_out = tmp_path / "notify.lines"
    reader = tmp_path / "reader.sh"
    reader.write_text(f'#!/bin/sh\nwhile read -r line; do echo "$line" >> {fifo_out}; done < "$1"\n')
    notify = tmp_path / "notify.sh"
    notify.write_text(f'#!/bin/sh\necho "$*" >> {notify_out}\n')
    for script in (reader, notify):
        script.chmod(0o755)

    config = f"""global_defs {{
    router_id LB1
    vrrp_notify_fifo {fifo}
    vrrp_notify_fifo_script {reader}
}}

""" + configs.vrrp_instance("VI_1", 51, 100, [f"{VIP}/32"], state="MASTER", extra=f'    notify "{notify}"\n')
    agent = dr.start_agent(dr.lbs[0], dr.write_config("lb1.conf", config))
    wait_until(lambda: fifo_out.exists() and "MASTER" in fifo_out.read_text(), 15, what="the MASTER line")
    assert fifo_out.read_text().splitlines()[:2] == ['INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_1" MASTER 100']
    wait_until(lambda: notify_out.exists() and "MASTER" in notify_out.read_text(), 5, what="notify MASTER")
    assert "INSTANCE VI_1 MASTER 100" in notify_out.read_text().splitlines()

    assert agent.stop() == 0
    wait_until(lambda: "STOP" in notify_out.read_text(), 5, what="notify STOP")
