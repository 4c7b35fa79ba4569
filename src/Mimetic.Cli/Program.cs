using Mimetic.Cli;
using Mimetic.Training;

// Before libtorch allocates anything: keep freed activation buffers for reuse (see NativeAllocator).
NativeAllocator.Tune();
return MimeticApp.Run(args);
