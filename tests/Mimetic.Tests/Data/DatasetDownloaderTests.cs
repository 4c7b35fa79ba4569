using System.Net;
using System.Security.Cryptography;
using Mimetic.Data;

namespace Mimetic.Tests.Data;

public sealed class DatasetDownloaderTests : IDisposable
{
    private static readonly Uri Source = new("https://example.invalid/data/file.tar.gz");

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AcceptsAFileWithTheRightChecksum()
    {
        byte[] payload = Payload(3_000_000);
        using var http = new HttpClient(new FakeHandler(_ => Ok(payload)));
        using var downloader = new DatasetDownloader(http);
        var progress = new RecordingProgress();
        string destination = _temp.Combine("sub", "file.tar.gz");

        await downloader.DownloadAsync(Source, destination, Md5(payload), progress);

        Assert.Equal(payload, await File.ReadAllBytesAsync(destination));
        Assert.Equal(["file.tar.gz"], Directory.GetFiles(_temp.Combine("sub")).Select(Path.GetFileName));
        Assert.True(progress.Reports.Count >= 3);
        Assert.Equal(payload.Length, progress.Reports[^1].BytesReceived);
        Assert.Equal(1.0, progress.Reports[^1].Fraction);
    }

    [Fact]
    public async Task RejectsAChecksumMismatchAndRemovesThePartialFile()
    {
        byte[] payload = Payload(100_000);
        using var http = new HttpClient(new FakeHandler(_ => Ok(payload)));
        using var downloader = new DatasetDownloader(http);
        string destination = _temp.Combine("file.tar.gz");

        var error = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(Source, destination, new string('0', 32)));

        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public async Task ReportsServerErrorsAsDataExceptions()
    {
        using var http = new HttpClient(new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound)));
        using var downloader = new DatasetDownloader(http);

        var error = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(Source, _temp.Combine("f"), new string('0', 32)));

        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public async Task RejectsAShortBody()
    {
        byte[] payload = Payload(1000);
        using var http = new HttpClient(new FakeHandler(_ =>
        {
            HttpResponseMessage response = Ok(payload);
            response.Content.Headers.ContentLength = 2000;
            return response;
        }));
        using var downloader = new DatasetDownloader(http);

        await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(Source, _temp.Combine("f"), Md5(payload)));
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void CatalogSaysWhereItLookedWhenOfflineInOneLine()
    {
        var options = new DatasetLoadOptions { Locator = EmptyLocator(), AllowDownload = false };

        var error = Assert.Throws<DataException>(() => DatasetCatalog.Load("cifar100", options));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("cifar-100-binary.tar.gz not found", error.Message, StringComparison.Ordinal);
        Assert.Contains(_temp.Combine("data"), error.Message, StringComparison.Ordinal);
        Assert.Contains("--data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CatalogReportsAFailedDownloadInOneLineAndKeepsNoFile()
    {
        using var http = new HttpClient(new FakeHandler(_ => throw new HttpRequestException("no route to host")));
        var options = new DatasetLoadOptions { Locator = EmptyLocator(), HttpClient = http };

        var error = Assert.Throws<DataException>(() => DatasetCatalog.Load("cifar10", options));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("no route to host", error.Message, StringComparison.Ordinal);
        Assert.Contains("cifar-10-binary.tar.gz", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Combine("cache")));
    }

    [Fact]
    public void CatalogRejectsADownloadWithTheWrongChecksum()
    {
        using var http = new HttpClient(new FakeHandler(_ => Ok(Payload(5000))));
        var options = new DatasetLoadOptions { Locator = EmptyLocator(), HttpClient = http };

        var error = Assert.Throws<DataException>(() => DatasetCatalog.Load("cifar100", options));

        Assert.Contains("03b5dce01913d631647c71ecec9e9cb8", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Combine("cache")));
    }

    [Fact]
    public void CatalogTriesToDownloadFashionMnistAndExplainsWhereToPutIt()
    {
        var requested = new List<Uri>();
        using var http = new HttpClient(new FakeHandler(request =>
        {
            requested.Add(request.RequestUri!);
            return Ok(Payload(100));
        }));
        var options = new DatasetLoadOptions { Locator = EmptyLocator(), HttpClient = http, SystemFashionMnistDirectories = [] };

        var error = Assert.Throws<DataException>(() => DatasetCatalog.Load("fashion-mnist", options));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message, StringComparison.Ordinal);
        Assert.Contains("8d4fb7e6c68d591d4c3dfef9ec88bf0d", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("/train-images-idx3-ubyte.gz", Assert.Single(requested).AbsoluteUri, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Combine("cache"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void CatalogRejectsUnknownNames()
    {
        var error = Assert.Throws<DataException>(() => DatasetCatalog.GetInfo("imagenet"));

        Assert.Contains("cifar10, cifar100, fashion-mnist", error.Message, StringComparison.Ordinal);
        Assert.Equal("fashion-mnist", DatasetCatalog.NormalizeName("FMNIST"));
        Assert.Equal("cifar10", DatasetCatalog.NormalizeName("CIFAR-10"));
        Assert.Equal(100, DatasetCatalog.GetInfo("cifar100").ClassCount);
    }

    private DatasetLocator EmptyLocator()
    {
        Directory.CreateDirectory(_temp.Combine("data"));
        Directory.CreateDirectory(_temp.Combine("cache"));
        Directory.CreateDirectory(_temp.Combine("cwd"));
        return new DatasetLocator(_temp.Combine("data"), _temp.Combine("cache"), _temp.Combine("cwd"), _temp.Combine("cwd"), _ => null);
    }

    private static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    private static string Md5(byte[] data)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData(data);
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    private static HttpResponseMessage Ok(byte[] payload) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(payload) };

    private sealed class FakeHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }

    private sealed class RecordingProgress : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];

        public void Report(DownloadProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }
}
