//! The machine a benchmark ran on, for its report.

use serde::Serialize;

/// What the report says about the machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Machine {
    /// CPU model (`/proc/cpuinfo`), if known.
    pub cpu: Option<String>,
    /// Logical CPUs this process may use.
    pub cpus: usize,
    /// Total memory in GiB (`/proc/meminfo`), if known.
    pub memory_gib: Option<f64>,
    /// Operating system and architecture.
    pub os: String,
    /// This library's version.
    pub wallet_version: String,
}

impl Machine {
    /// This machine.
    pub fn current() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_gib = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map(|kib| kib / (1024.0 * 1024.0));
        Machine {
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib,
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            wallet_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}
