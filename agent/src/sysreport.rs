//! S14: the system report, collected with `sysinfo` only after the customer granted
//! `system_info`, shown to the customer, and sent only when they confirm.

use protocol::peer::{DiskInfo, NetworkInfo, ProcessInfo, SystemReport};
use sysinfo::{Disks, Networks, ProcessesToUpdate, System};

/// Processes listed in each of the "top by CPU" and "top by memory" lists.
const TOP: usize = 5;

/// Collects the report. Blocking (CPU usage needs two samples ≈ 200 ms apart): call it from
/// a blocking thread.
pub fn collect() -> SystemReport {
    let mut sys = System::new();
    sys.refresh_memory();
    sys.refresh_cpu_all();
    sys.refresh_processes(ProcessesToUpdate::All, true);
    std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
    sys.refresh_cpu_all();
    sys.refresh_processes(ProcessesToUpdate::All, true);

    let mut procs: Vec<ProcessInfo> = sys
        .processes()
        .values()
        .map(|p| ProcessInfo {
            pid: p.pid().as_u32(),
            name: p.name().to_string_lossy().into_owned(),
            cpu_percent: p.cpu_usage(),
            memory_bytes: p.memory(),
        })
        .collect();
    procs.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent));
    let top_cpu = procs.iter().take(TOP).cloned().collect();
    procs.sort_by_key(|p| std::cmp::Reverse(p.memory_bytes));
    let top_memory = procs.into_iter().take(TOP).collect();

    let disks = Disks::new_with_refreshed_list()
        .list()
        .iter()
        .map(|d| DiskInfo {
            mount_point: d.mount_point().display().to_string(),
            file_system: d.file_system().to_string_lossy().into_owned(),
            total_bytes: d.total_space(),
            free_bytes: d.available_space(),
        })
        .collect();
    let mut networks: Vec<NetworkInfo> = Networks::new_with_refreshed_list()
        .iter()
        .map(|(name, data)| NetworkInfo {
            name: name.clone(),
            mac: data.mac_address().to_string(),
            addresses: data.ip_networks().iter().map(|n| format!("{}/{}", n.addr, n.prefix)).collect(),
        })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));

    SystemReport {
        os_name: System::name().unwrap_or_default(),
        os_version: System::long_os_version().or_else(System::os_version).unwrap_or_default(),
        kernel_version: System::kernel_version().unwrap_or_default(),
        host_name: System::host_name().unwrap_or_default(),
        cpu_model: sys.cpus().first().map(|c| c.brand().trim().to_owned()).unwrap_or_default(),
        cpu_cores: sys.cpus().len() as u32,
        memory_total_bytes: sys.total_memory(),
        memory_used_bytes: sys.used_memory(),
        uptime_secs: System::uptime(),
        disks,
        networks,
        top_cpu,
        top_memory,
        installed_packages: installed_packages(),
    }
}

/// Debian and derivatives: packages marked installed in dpkg's status file.
fn installed_packages() -> Option<u64> {
    let status = std::fs::read_to_string("/var/lib/dpkg/status").ok()?;
    Some(status.lines().filter(|l| *l == "Status: install ok installed").count() as u64)
}

/// What the customer is shown before the report is sent (S14).
pub use agent_core::customer::report_summary as summary;

#[cfg(test)]
mod tests {
    #[test]
    fn the_report_describes_this_machine() {
        let r = super::collect();
        assert!(r.cpu_cores >= 1);
        assert!(r.memory_total_bytes > 0);
        assert!(!r.host_name.is_empty());
        assert!(r.disks.iter().any(|d| d.total_bytes > 0));
        assert!(r.networks.iter().any(|n| n.name == "lo"));
        assert!(!r.top_memory.is_empty());
        let text = super::summary(&r);
        assert!(text.contains("CPU:") && text.contains(&r.host_name));
    }
}
