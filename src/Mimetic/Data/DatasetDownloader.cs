namespace Mimetic.Data;

/// <summary>
/// Downloads a data file over HTTP(S): streams it to a temporary file next to the destination while computing
/// its digest (MD5, or the SHA-512 of an npm integrity string; see <see cref="FileDigest"/>), reports progress, and renames it into place only if the checksum matches, so a failed or
/// interrupted download never leaves a file that looks complete.
/// </summary>
public sealed class DatasetDownloader : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>Creates a downloader.</summary>
    /// <param name="httpClient">The client to use (e.g. one with a fake handler in tests); null creates one that this downloader owns.</param>
    public DatasetDownloader(HttpClient? httpClient = null)
    {
        if (httpClient is null)
        {
#pragma warning disable CA2000 // The client owns and disposes the handler.
            var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(20) };
#pragma warning restore CA2000
            _http = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(60) };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }
    }

    /// <summary>Downloads <paramref name="source"/> to <paramref name="destinationPath"/> and checks its MD5.</summary>
    /// <param name="source">The address.</param>
    /// <param name="destinationPath">The final file; its folder is created if needed.</param>
    /// <param name="expectedMd5">The expected MD5, hex.</param>
    /// <param name="progress">Receives progress now and then, and once at the end.</param>
    /// <param name="cancellationToken">Cancels the download (the partial file is removed).</param>
    /// <exception cref="DataException">The download failed or its checksum did not match; no file is left behind.</exception>
    public Task DownloadAsync(
        Uri source,
        string destinationPath,
        string expectedMd5,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        DownloadAsync(source, destinationPath, FileDigest.Md5(expectedMd5), progress, cancellationToken);

    /// <summary>Downloads <paramref name="source"/> to <paramref name="destinationPath"/> and checks its digest.</summary>
    /// <param name="source">The address.</param>
    /// <param name="destinationPath">The final file; its folder is created if needed.</param>
    /// <param name="expected">The expected digest.</param>
    /// <param name="progress">Receives progress now and then, and once at the end.</param>
    /// <param name="cancellationToken">Cancels the download (the partial file is removed).</param>
    /// <exception cref="DataException">The download failed or its digest did not match; no file is left behind.</exception>
    public async Task DownloadAsync(
        Uri source,
        string destinationPath,
        FileDigest expected,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        ArgumentNullException.ThrowIfNull(expected);
        string destination = Path.GetFullPath(destinationPath);
        string fileName = Path.GetFileName(destination);
        string folder = Path.GetDirectoryName(destination)!;
        string temporary = Path.Combine(folder, $".{fileName}.{Guid.NewGuid():N}.download");
        try
        {
            Directory.CreateDirectory(folder);
            string actual = await DownloadToAsync(source, temporary, fileName, expected, progress, cancellationToken).ConfigureAwait(false);
            if (!expected.Matches(actual))
            {
                throw new DataException(
                    $"download of {source} failed its checksum ({expected.Algorithm} {actual}, expected {expected.Hex}); the file was removed, try again later");
            }

            File.Move(temporary, destination, overwrite: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException)
        {
            TryDelete(temporary);
            string reason = ex is TaskCanceledException && !cancellationToken.IsCancellationRequested ? "timed out" : ex.Message;
            throw new DataException($"download of {source} failed: {reason}", ex);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<string> DownloadToAsync(
        Uri source,
        string temporary,
        string fileName,
        FileDigest expected,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        long? total = response.Content.Headers.ContentLength;
        using var hash = expected.CreateHash();
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (output.ConfigureAwait(false))
            {
                var buffer = new byte[1 << 16];
                long received = 0;
                long lastReport = -1;
                int n;
                progress?.Report(new DownloadProgress(fileName, 0, total));
                while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    received += n;
                    if (received - lastReport >= 1 << 20)
                    {
                        progress?.Report(new DownloadProgress(fileName, received, total));
                        lastReport = received;
                    }
                }

                if (total is long length && received != length)
                {
                    throw new IOException($"the connection closed after {received} of {length} bytes");
                }

                progress?.Report(new DownloadProgress(fileName, received, total));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
