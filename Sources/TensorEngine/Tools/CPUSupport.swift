import CSystemShims

/// Whether this CPU can run the engine as it was compiled (see Package.swift: kernels are
/// built for Haswell, AVX2 + FMA, unless KILN_PORTABLE=1).
public enum CPUSupport {
    public static var builtForAVX2: Bool {
        #if KILN_PORTABLE
        false
        #else
        true
        #endif
    }

    /// nil when the engine can run here; otherwise why not. Checked before any kernel runs,
    /// so an old CPU gets a message instead of SIGILL.
    public static var problem: String? {
        guard builtForAVX2, kiln_cpu_has_avx2_fma() == 0 else { return nil }
        return "this build of kiln needs a CPU with AVX2 and FMA (x86-64-v3); rebuild with KILN_PORTABLE=1 for older CPUs"
    }
}
