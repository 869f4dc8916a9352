// incident runs on Linux: it uses Glibc, /proc, Linux socket flags and cgroup files. Elsewhere it should fail
// to build with this sentence rather than with a missing symbol.
#if !os(Linux)
    #error("incident builds and runs on Linux only")
#endif
