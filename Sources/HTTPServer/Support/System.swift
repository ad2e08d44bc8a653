import CSystemShims
#if canImport(Glibc)
import Glibc
#endif

/// Facts about the machine the server sizes itself by.
public enum System {
    /// Online cores, respecting the CPU affinity mask (taskset, container cpusets).
    public static var coreCount: Int {
        let affinity = Int(kiln_affinity_cpu_count())
        return affinity > 0 ? affinity : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
