import Foundation

/// The standard `process_*` metrics every Prometheus client exports, read from /proc at
/// scrape time: CPU seconds, resident memory, open descriptors, start time.
enum ProcessMetrics {
    static let startTime: Double = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }()

    static func render() -> String {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        metric("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpu)
        metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", residentBytes())
        metric("process_open_fds", "gauge", "Number of open file descriptors.", openDescriptors())
        metric("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", startTime)
        return out
    }

    private static func residentBytes() -> Double {
        // /proc/self/statm: size resident shared … in pages.
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func openDescriptors() -> Double {
        Double((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
    }
}
