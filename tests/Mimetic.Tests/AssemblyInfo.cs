// libtorch's thread count is process-wide and several tests set it (trainers, benchmarks); a change in the
// middle of another test's run changes floating-point reduction order and breaks exact-resume checks.
// Test classes therefore run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
