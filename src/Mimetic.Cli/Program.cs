using Mimetic.Cli;

return MimeticApp.Run(args);
