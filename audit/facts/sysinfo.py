"""system-info.sh (Linux, v1.33 to v2.5) in Python: the same values, labels and order of precedence.

Each value is what the script prints after `NAME=`. Where a release behaved differently, the branch is chosen by
that release's row in audit.channels.backend.releases.SYSTEM_INFO (data, not scattered version checks). The cloud-metadata probe is deliberately not reproduced:
its values never enter the telemetry payload, and this tool never contacts 169.254.169.254.
"""

import os
import re

from audit.plumbing import versions
from audit.channels.backend import releases
from audit.model.fact import Fact, Facts
from audit.plumbing.shellwords import eval_assignment
from audit.plumbing.system import System

OS_KEYS = ("NAME", "ID", "ID_LIKE", "VERSION", "VERSION_ID")
BLOCK_MAJORS = ("hd", "sd", "mfm", "ad", "ftl", "pd", "nftl", "dasd", "intfl", "mmcblk", "mmc", "ub", "xvd", "rfd",
                "vbd", "nvme", "virtblk", "blkext")
NO_COMMANDS = "commands are not run under --root"


def collect_system_info(system: System, version: str = versions.LAST_SCRIPT_VERSION) -> Facts:
    rules = releases.system_info_rules(version)
    kernel = _kernel(system)
    virt = _virtualization(system, rules)
    container = _container(system, virt.pop("container"), rules)
    os_facts = _os(system, container["NETDATA_SYSTEM_CONTAINER"].value, kernel["NETDATA_SYSTEM_KERNEL_VERSION"].value,
                   rules.proxmox)
    facts: Facts = {}
    facts.update({k: os_facts[k] for k in os_facts if k.startswith("NETDATA_CONTAINER_OS_")})
    official = system.env.get("NETDATA_OFFICIAL_IMAGE")
    facts["NETDATA_CONTAINER_IS_OFFICIAL_IMAGE"] = Fact(official, "env:NETDATA_OFFICIAL_IMAGE") if official \
        else Fact("false", "default", "NETDATA_OFFICIAL_IMAGE is not set")
    facts.update({k: os_facts[k] for k in os_facts if k.startswith("NETDATA_HOST_OS_")})
    facts["NETDATA_HOST_IS_K8S_NODE"] = _k8s(system)
    facts.update(kernel)
    facts.update(virt)
    facts.update(container)
    facts.update(_cpu(system, rules))
    facts.update(_ram(system))
    facts.update(_disk(system, rules))
    return facts


def commands_run(system: System) -> list[tuple[list[str], dict | None]]:
    """The commands collect_system_info runs on a live machine whatever the release (for System.prefetch)."""
    commands: list[tuple[list[str], dict | None]] = [(["lscpu"], {"LC_NUMERIC": "C"})]
    if not system.env.get("VIRTUALIZATION"):
        commands += [(["systemd-detect-virt", "-v"], None), (["systemd-detect-virt", "-c"], None)]
    if not (system.env.get("KUBERNETES_SERVICE_HOST") and system.env.get("KUBERNETES_SERVICE_PORT")):
        commands.append((["pgrep", "kubelet"], None))
    return commands


def _cmd_note(system: System) -> str:
    return NO_COMMANDS if system.confined else ""


def _kernel(system: System) -> Facts:
    if not system.confined:  # os.uname() is what `uname -s/-r/-m` print, without three process starts
        uname = os.uname()
        return {"NETDATA_SYSTEM_KERNEL_NAME": Fact(uname.sysname, "command:uname -s"),
                "NETDATA_SYSTEM_KERNEL_VERSION": Fact(uname.release, "command:uname -r"),
                "NETDATA_SYSTEM_ARCHITECTURE": Fact(uname.machine, "command:uname -m")}
    out = {}
    for name, flag, path in (("NETDATA_SYSTEM_KERNEL_NAME", "-s", "/proc/sys/kernel/ostype"),
                             ("NETDATA_SYSTEM_KERNEL_VERSION", "-r", "/proc/sys/kernel/osrelease"),
                             ("NETDATA_SYSTEM_ARCHITECTURE", "-m", None)):
        value = system.run(["uname", flag])
        if value is not None:
            out[name] = Fact(value.strip(), f"command:uname {flag}")
        elif path and (text := system.read_text(path)) is not None:
            out[name] = Fact(text.strip(), f"file:{path}", "read instead of running uname")
        else:
            out[name] = Fact("unknown", "default", _cmd_note(system) or "uname failed")
    return out


def normalize_virt(name: str) -> str:
    name = {"User-mode Linux": "uml", "Windows Subsystem for Linux": "wsl"}.get(name, name)
    return name.lower().replace(" ", "-")


def _virtualization(system: System, rules: releases.SystemInfoRules) -> dict:
    given = system.env.get("VIRTUALIZATION")
    container = None
    if given:
        return {"NETDATA_SYSTEM_VIRTUALIZATION": Fact(given, "env:VIRTUALIZATION"),
                "NETDATA_SYSTEM_VIRT_DETECTION": Fact("provided", "env:VIRTUALIZATION"), "container": None}
    value, detection, source = "", "none", "default"
    if system.has_command("systemd-detect-virt"):
        value = (system.run(["systemd-detect-virt", "-v"]) or "").strip()
        detection, source = "systemd-detect-virt", "command:systemd-detect-virt -v"
        container = (system.run(["systemd-detect-virt", "-c"]) or "").strip()
    elif rules.virt_fallback == "cpuinfo-flag":
        value, detection, source = _virt_by_cpu_flag(system)
    elif system.has_command("lscpu"):
        text = system.run(["lscpu"]) or ""
        match = re.search(r"^Hypervisor vendor:\s*(.*)$", text, re.M)
        if match and match.group(1).strip():
            value, detection, source = match.group(1).strip(), "lscpu", "command:lscpu"
        elif re.search(r"^Virtualization:", text, re.M):
            value, source = "none", "command:lscpu"
    elif system.has_command("dmidecode"):
        lines = [ln for ln in (system.run(["dmidecode", "-s", "system-product-name"]) or "").splitlines()
                 if re.search(r"VMware|Virtual|KVM|Bochs", ln)]
        if lines:
            value, detection, source = "\n".join(lines), "dmidecode", "command:dmidecode -s system-product-name"
    if not value:
        return {"NETDATA_SYSTEM_VIRTUALIZATION": Fact("unknown", source, _cmd_note(system)),
                "NETDATA_SYSTEM_VIRT_DETECTION": Fact("none", source, _cmd_note(system)), "container": container}
    if value not in ("none", "unknown") and rules.normalize_virt:
        value = normalize_virt(value)
    return {"NETDATA_SYSTEM_VIRTUALIZATION": Fact(value, source),
            "NETDATA_SYSTEM_VIRT_DETECTION": Fact(detection, source), "container": container}


def _virt_by_cpu_flag(system: System) -> tuple[str, str, str]:
    """v1.33-v1.34: the cpuinfo hypervisor flag, then dmidecode's whole product name; else "none"."""
    if re.search(r"^flags.*hypervisor", system.read_text("/proc/cpuinfo") or "", re.M):
        return "hypervisor", "/proc/cpuinfo", "file:/proc/cpuinfo"
    product = system.run(["dmidecode", "-s", "system-product-name"])
    if product and re.search(r"VMware|Virtual|KVM|Bochs", product):
        return product.rstrip("\n"), "dmidecode", "command:dmidecode -s system-product-name"
    return "none", "none", "default"


def _container(system: System, detected: str | None, rules: releases.SystemInfoRules) -> Facts:
    """systemd-detect-virt -c (as this release takes it), then the heuristics while still unknown."""
    value, detection, source = "unknown", "none", "default"
    if detected is not None:
        detection, source = "systemd-detect-virt", "command:systemd-detect-virt -c"
        taken = {"always": True, "never": False, "non-empty": bool(detected)}[rules.container_from_detect_virt]
        value = detected if taken else value
    if value != "unknown":
        return {"NETDATA_SYSTEM_CONTAINER": Fact(value, source),
                "NETDATA_SYSTEM_CONTAINER_DETECTION": Fact(detection, source)}
    sched = system.read_text("/proc/1/sched")
    if sched and sched.split() and sched.split()[0] == "netdata":
        value, detection, source = "container", "process", "file:/proc/1/sched"
    if system.run_ok(["/bin/running-in-container"]):
        value, detection, source = "container", "/bin/running-in-container", "command:/bin/running-in-container"
    if system.env.get("container"):
        value, detection, source = "lxc", "containerenv", "env:container"
    if system.exists("/.dockerenv"):
        value, detection, source = "docker", "dockerenv", "file:/.dockerenv"
    if rules.kubernetes_container and system.env.get("KUBERNETES_SERVICE_HOST"):
        value, detection, source = "container", "kubernetes", "env:KUBERNETES_SERVICE_HOST"
    return {"NETDATA_SYSTEM_CONTAINER": Fact(value, source), "NETDATA_SYSTEM_CONTAINER_DETECTION": Fact(detection, source)}


def _read_os_release(system: System, path: str) -> dict[str, str]:
    text = system.read_text(path)
    values: dict[str, str] = {}
    for line in (text or "").splitlines():
        match = re.match(r"^(NAME|ID|ID_LIKE|VERSION|VERSION_ID)=(.*)$", line)
        if match:
            values[match.group(1)] = eval_assignment(match.group(2), values)
    return values


def _os(system: System, container: str, kernel_version: str, proxmox: bool) -> Facts:
    found = {k: "unknown" for k in OS_KEYS}
    detection, source = "unknown", "default"
    if system.is_file("/etc/os-release") or system.exists("/etc/os-release"):
        found.update(_read_os_release(system, "/etc/os-release"))
        detection = source = "/etc/os-release"
        source = "file:/etc/os-release"
    if "unknown" in (found["NAME"], found["VERSION"], found["ID"]):
        lsb = system.read_text("/etc/lsb-release")
        if lsb is not None:
            detection = "Mixed" if detection != "unknown" else "/etc/lsb-release"
            source += " + file:/etc/lsb-release"
            pairs = dict(re.findall(r"^(DISTRIB_ID|DISTRIB_RELEASE|DISTRIB_CODENAME)=(.*)$", lsb, re.M))
            _fill(found, pairs.get("DISTRIB_ID"), pairs.get("DISTRIB_RELEASE"), pairs.get("DISTRIB_CODENAME"))
        if system.has_command("lsb_release"):
            detection = "Mixed" if detection != "unknown" else "lsb_release"
            source += " + command:lsb_release"
            _fill(found, *((system.run(["lsb_release", f"-{f}"]) or "").strip() for f in ("is", "rs", "cs")))
    if container in ("unknown", "none"):
        host = {f"NETDATA_HOST_OS_{k}": Fact(v, source) for k, v in found.items()}
        host["NETDATA_HOST_OS_DETECTION"] = Fact(detection, source)
        cont = {f"NETDATA_CONTAINER_OS_{k}": Fact("none", "default", "not in a container") for k in OS_KEYS}
        cont["NETDATA_CONTAINER_OS_DETECTION"] = Fact("none", "default", "not in a container")
    else:
        cont = {f"NETDATA_CONTAINER_OS_{k}": Fact(v, source) for k, v in found.items()}
        cont["NETDATA_CONTAINER_OS_DETECTION"] = Fact(detection, source)
        host = _host_os_from_mount(system)
    if proxmox:
        _proxmox(system, host, kernel_version)
    return {**cont, **host}


def _fill(found: dict, name: str | None, version: str | None, codename: str | None) -> None:
    for key, value in (("NAME", name), ("VERSION", version), ("ID", codename)):
        if found[key] == "unknown" and value:
            found[key] = value.strip('"')


def _host_os_from_mount(system: System) -> Facts:
    found = {k: "unknown" for k in OS_KEYS}
    detection, source = "unknown", "default"
    if system.exists("/host/etc/os-release"):
        found.update(_read_os_release(system, "/host/etc/os-release"))
        detection, source = "/host/etc/os-release", "file:/host/etc/os-release"
    if "unknown" in (found["NAME"], found["VERSION"], found["ID"]) and system.exists("/host/etc/lsb-release"):
        # system-info.sh checks /host/etc/lsb-release but then reads the container's own /etc/lsb-release
        detection = "Mixed" if detection != "unknown" else "/etc/lsb-release"
        lsb = system.read_text("/etc/lsb-release") or ""
        pairs = dict(re.findall(r"^(DISTRIB_ID|DISTRIB_RELEASE|DISTRIB_CODENAME)=(.*)$", lsb, re.M))
        _fill(found, pairs.get("DISTRIB_ID"), pairs.get("DISTRIB_RELEASE"), pairs.get("DISTRIB_CODENAME"))
        source += " + file:/etc/lsb-release"
    note = "" if source != "default" else "in a container without /host/etc/os-release mounted"
    host = {f"NETDATA_HOST_OS_{k}": Fact(v, source, note) for k, v in found.items()}
    host["NETDATA_HOST_OS_DETECTION"] = Fact(detection, source, note)
    return host


def _proxmox(system: System, host: Facts, kernel_version: str) -> None:
    if not (system.is_dir("/etc/pve") and kernel_version.endswith("-pve") and system.has_command("pveversion")):
        return
    parts = (system.run(["pveversion"]) or "").strip().split("/")
    version = parts[1] if len(parts) > 1 else ""
    src = "command:pveversion"
    host.update({"NETDATA_HOST_OS_NAME": Fact("Proxmox VE", src), "NETDATA_HOST_OS_ID": Fact("proxmox", src),
                 "NETDATA_HOST_OS_ID_LIKE": Fact("proxmox", src), "NETDATA_HOST_OS_VERSION": Fact(version, src),
                 "NETDATA_HOST_OS_VERSION_ID": Fact(version.split(".")[0], src),
                 "NETDATA_HOST_OS_DETECTION": Fact("pveversion", src)})


def _k8s(system: System) -> Fact:
    if system.env.get("KUBERNETES_SERVICE_HOST") and system.env.get("KUBERNETES_SERVICE_PORT"):
        return Fact("true", "env:KUBERNETES_SERVICE_HOST + KUBERNETES_SERVICE_PORT")
    if system.run_ok(["pgrep", "kubelet"]):
        return Fact("true", "command:pgrep kubelet")
    return Fact("false", "default", _cmd_note(system))


def _lxcfs(system: System) -> bool:
    mounts = system.read_text("/proc/self/mounts") or ""
    return any(line.split()[:2] == ["lxcfs", "/proc"] or (len(line.split()) > 2 and line.split()[0] == "lxcfs"
               and line.split()[1].startswith("/proc")) for line in mounts.splitlines() if line.strip())


def _cpu(system: System, rules: releases.SystemInfoRules) -> Facts:
    count = vendor = model = "unknown"
    source, candidate = "none", ""
    lscpu = system.run(["lscpu"], extra_env={"LC_NUMERIC": "C"})
    cpuinfo = system.read_text("/proc/cpuinfo") or ""
    evidence = "command:lscpu"
    if lscpu is not None:
        source = "lscpu"
        field = lambda name: (m.group(1).strip() if (m := re.search(rf"^{name}:\s*(.*)$", lscpu, re.M)) else "")
        count, vendor, model = field(r"CPU\(s\)") or count, field("Vendor ID") or vendor, field("Model name") or model
        if rules.lxcfs_cpu_count and _lxcfs(system):
            count = str(len(re.findall(r"^processor", cpuinfo, re.M)))
        candidate = _lscpu_freq(field("CPU max MHz"), field("CPU MHz"), model, rules)
    else:
        count, source, evidence = _cpu_count(system, cpuinfo)
        model, vendor, how, evidence = _cpu_names(system, cpuinfo, model, vendor, evidence)
        source += how
    freq, freq_source = _cpu_freq(system, candidate, cpuinfo, rules)
    if freq_source and freq_source not in source.split():
        source += " " + freq_source
    note = _cmd_note(system)
    return {"NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT": Fact(count, evidence, note),
            "NETDATA_SYSTEM_CPU_VENDOR": Fact(vendor, evidence, note),
            "NETDATA_SYSTEM_CPU_MODEL": Fact(model, evidence, note),
            "NETDATA_SYSTEM_CPU_FREQ": Fact(freq, evidence, note),
            "NETDATA_SYSTEM_CPU_DETECTION": Fact(source, evidence, note)}


def _lscpu_freq(max_mhz: str, mhz: str, model: str, rules: releases.SystemInfoRules) -> str:
    """The frequency candidate from lscpu's output ("2600 MHz"), or ""."""
    digits = lambda text: re.match(r"[0-9]*", text).group(0)
    if rules.lscpu_freq == "mhz-always":  # v1.33: " MHz" even with no MHz line at all (it becomes 0)
        return f"{digits(max_mhz) or digits(mhz)} MHz"
    found = digits(max_mhz) or digits(mhz)
    if not found and (g := re.search(r"([0-9.]+)GHz", model)):
        found = str(int(float(g.group(1)) * 1000))
    return f"{found} MHz" if found else ""


def _cpu_count(system: System, cpuinfo: str) -> tuple[str, str, str]:
    nproc = system.run(["nproc"])
    if nproc:
        return nproc.strip(), "nproc", "command:nproc"
    cpus = [d for d in system.listdir("/sys/devices/system/cpu") if re.fullmatch(r"cpu\d+", d)]
    if cpus:
        return str(len(cpus)), "sysfs", "file:/sys/devices/system/cpu"
    if cpuinfo:
        return str(len(re.findall(r"^processor", cpuinfo, re.M))), "procfs", "file:/proc/cpuinfo"
    return "unknown", "none", "default"


def _cpu_names(system: System, cpuinfo: str, model: str, vendor: str, evidence: str) -> tuple[str, str, str, str]:
    """GNU uname's -p/-i when `uname --version` says coreutils, else /proc/cpuinfo's model name and vendor_id."""
    if "GNU coreutils" in (system.run(["uname", "--version"]) or ""):
        return ((system.run(["uname", "-p"]) or "").rstrip("\n"), (system.run(["uname", "-i"]) or "").rstrip("\n"),
                " uname", "command:uname -p/-i")
    if cpuinfo or system.exists("/proc/cpuinfo"):
        first = lambda name: (m.group(1).strip() if (m := re.search(rf"^{name}\s*:\s*(.*)$", cpuinfo, re.M)) else "")
        return first("model name"), first("vendor_id"), " procfs", "file:/proc/cpuinfo"
    return model, vendor, "", evidence


def _cpu_freq(system: System, candidate: str, cpuinfo: str, rules: releases.SystemInfoRules) -> tuple[str, str]:
    khz = 1000 if rules.sysfs_khz_to_hz else 1  # v1.33 printed the kHz figure as is
    base = system.read_text("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency")
    if base is not None:
        return _sysfs_freq(base, khz), "sysfs"
    if candidate:
        return _to_hz(candidate), ""
    top = system.read_text("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    if top is not None:
        return _sysfs_freq(top, khz), "sysfs"
    if rules.cpuinfo_mhz != "none" and system.exists("/proc/cpuinfo"):
        m = re.search(r"^.*cpu MHz.*$", cpuinfo, re.M)
        digits = re.search(r"[0-9]+", m.group(0)) if m else None
        if not digits:
            return "unknown", "procfs"
        hz = int(digits.group(0)) * 1000 * 1000
        return (awk_number(hz, _awk(system)) if rules.cpuinfo_mhz == "awk-print" else str(hz)), "procfs"
    return "unknown", ""


def _sysfs_freq(text: str, factor: int) -> str:
    value = text.strip()
    return str(int(value) * factor) if value.isdigit() else value


def awk_number(value: int, awk: str) -> str:
    """How `awk '{print int(x)}'` prints an integer: mawk uses OFMT (%.6g) beyond a C int, gawk prints it whole."""
    if awk == "mawk" and not -2147483647 <= value <= 2147483647:
        return "%.6g" % value
    return str(value)


def _awk(system: System) -> str:
    """Which awk `awk` is (Debian and Ubuntu default to mawk)."""
    path = "/usr/bin/awk"
    for _ in range(8):
        target = system.link_target(path)
        if target is None:
            break
        path = target if target.startswith("/") else f"{path.rsplit('/', 1)[0]}/{target}"
    name = path.rsplit("/", 1)[-1]
    return name if name in ("mawk", "gawk", "busybox") else "gawk"


def _to_hz(text: str) -> str:
    """system-info.sh's unit conversion: shell arithmetic on the number before the space."""
    number, _, unit = text.partition(" ")
    factor = {"GHz": 10**9, "MHz": 10**6, "KHz": 10**3}.get(unit)
    if factor is None:
        return text
    return str(int(number or 0) * factor)


def _ram(system: System) -> Facts:
    meminfo = system.read_text("/proc/meminfo") or ""
    m = re.search(r"^MemTotal:\s*(\d+)", meminfo, re.M)
    value = str(int(m.group(1)) * 1024) if m else ""
    return {"NETDATA_SYSTEM_TOTAL_RAM": Fact(value or "unknown", "file:/proc/meminfo"),
            "NETDATA_SYSTEM_RAM_DETECTION": Fact("procfs", "file:/proc/meminfo")}


def _disk(system: System, rules: releases.SystemInfoRules) -> Facts:
    devices = system.read_text("/proc/devices")
    if system.is_dir("/sys/block") and devices is not None and not (rules.lxcfs_disk_guard and _lxcfs(system)):
        block = devices.split("Block devices:", 1)[-1]
        names = BLOCK_MAJORS if rules.disk_names_mmc else tuple(n for n in BLOCK_MAJORS if n != "mmc")
        majors = {int(m) for m, name in re.findall(r"^\s*(\d+)\s+(\S+)$", block, re.M) if name in names}
        total = 0
        for dev in system.listdir("/sys/block"):
            major = (system.read_text(f"/sys/block/{dev}/dev") or "").split(":")[0].strip()
            removable = (system.read_text(f"/sys/block/{dev}/removable") or "0").strip()
            if major.isdigit() and int(major) in majors and removable != "1":
                total += int((system.read_text(f"/sys/block/{dev}/size") or "0").strip() or 0) * 512
        return {"NETDATA_SYSTEM_TOTAL_DISK_SIZE": Fact(str(total), "file:/sys/block/*/size"),
                "NETDATA_SYSTEM_DISK_DETECTION": Fact("sysfs", "file:/sys/block")}
    out = system.run(["df", "-x", "tmpfs", "-x", "devtmpfs", "-x", "squashfs", "-l", "-B1", "--output=source,size"])
    if out:
        rows = sorted(set(out.splitlines()[1:]))
        total = sum(int(r.split()[-1]) for r in rows if r.split() and r.split()[-1].isdigit())
        return {"NETDATA_SYSTEM_TOTAL_DISK_SIZE": Fact(str(total), "command:df"),
                "NETDATA_SYSTEM_DISK_DETECTION": Fact("df", "command:df")}
    return {"NETDATA_SYSTEM_TOTAL_DISK_SIZE": Fact("unknown", "default", _cmd_note(system)),
            "NETDATA_SYSTEM_DISK_DETECTION": Fact("unknown", "default", _cmd_note(system))}
