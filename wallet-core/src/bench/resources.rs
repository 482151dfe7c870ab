//! What a round costs the process: CPU time and resident memory, read from `/proc/self`
//! (Linux) by a sampling thread while the round runs. CPU% is CPU time over wall time, so with
//! several busy threads it exceeds 100, as `top` and Caliper's Docker monitor show it.

use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The resource columns of a round.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Resources {
    /// Highest CPU% over one sampling interval.
    pub cpu_max_pct: f64,
    /// CPU% over the whole round.
    pub cpu_avg_pct: f64,
    /// Highest resident memory seen, in MB (10⁶ bytes).
    pub memory_max_mb: f64,
    /// Mean resident memory over the samples, in MB.
    pub memory_avg_mb: f64,
}

/// How often the sampler reads `/proc/self`.
const INTERVAL: Duration = Duration::from_millis(50);

/// One reading.
#[derive(Debug, Clone, Copy)]
struct Reading {
    at: Instant,
    cpu_s: f64,
    rss_bytes: u64,
}

fn read() -> Option<Reading> {
    let at = Instant::now();
    Some(Reading { at, cpu_s: cpu_seconds()?, rss_bytes: rss_bytes()? })
}

/// User + system CPU time of every thread of this process, from `/proc/self/stat`.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name is in parentheses and may hold spaces: fields count after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of stat(5), utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / ticks_per_second())
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn ticks_per_second() -> f64 {
    rustix::param::clock_ticks_per_second() as f64
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn ticks_per_second() -> f64 {
    100.0
}

/// Resident set size, from the `VmRSS` line of `/proc/self/status`.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A sampling thread for the length of one round.
#[derive(Debug)]
pub struct Monitor {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<Reading>>>,
}

impl Monitor {
    /// Start sampling (nothing is sampled where `/proc/self` cannot be read).
    pub fn start() -> Monitor {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = read().map(|first| {
            std::thread::spawn(move || {
                let mut readings = vec![first];
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(INTERVAL);
                    readings.extend(read());
                }
                readings
            })
        });
        Monitor { stop, thread }
    }

    /// Stop and add up; `None` where nothing could be read.
    pub fn finish(mut self) -> Option<Resources> {
        self.stop.store(true, Ordering::Relaxed);
        let mut readings = self.thread.take()?.join().ok()?;
        readings.extend(read());
        summarize(&readings)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn summarize(readings: &[Reading]) -> Option<Resources> {
    let (first, last) = (readings.first()?, readings.last()?);
    let pct = |a: &Reading, b: &Reading| {
        let wall = (b.at - a.at).as_secs_f64();
        if wall > 0.0 {
            100.0 * (b.cpu_s - a.cpu_s) / wall
        } else {
            0.0
        }
    };
    let cpu_avg_pct = pct(first, last);
    // Over whole intervals only: the last reading may follow the one before by microseconds,
    // and one clock tick over that is no measure of anything.
    let cpu_max_pct = readings
        .windows(2)
        .filter(|w| w[1].at - w[0].at >= INTERVAL / 2)
        .map(|w| pct(&w[0], &w[1]))
        .fold(cpu_avg_pct, f64::max);
    let mb = |b: u64| b as f64 / 1e6;
    let memory_max_mb = mb(readings.iter().map(|r| r.rss_bytes).max()?);
    // (The mean of equal readings may round above them.)
    let memory_avg_mb =
        (readings.iter().map(|r| mb(r.rss_bytes)).sum::<f64>() / readings.len() as f64).min(memory_max_mb);
    Some(Resources { cpu_max_pct, cpu_avg_pct, memory_max_mb, memory_avg_mb })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_busy_round_shows_cpu_time_and_resident_memory() {
        let monitor = Monitor::start();
        let start = Instant::now();
        let mut x = 0u64;
        // Busy for 300 ms of wall time (the clock ticks at 100 Hz: enough ticks to see).
        let keep: Vec<u8> = vec![1; 8 << 20];
        while start.elapsed() < Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let r = monitor.finish().expect("/proc/self is readable on Linux");
        assert!(keep.iter().map(|&b| b as usize).sum::<usize>() == 8 << 20);
        assert!(r.cpu_avg_pct > 0.0 && r.cpu_max_pct >= r.cpu_avg_pct, "{r:?}");
        // 8 MB touched above are resident.
        assert!(r.memory_max_mb >= 8.0 && r.memory_max_mb >= r.memory_avg_mb && r.memory_avg_mb > 0.0, "{r:?}");
    }
}
