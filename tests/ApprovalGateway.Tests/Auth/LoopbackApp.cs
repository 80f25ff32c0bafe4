using System.Net;
using ApprovalGateway.Tests.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Auth;

/// <summary>A real Kestrel app on 127.0.0.1 with an ephemeral port, plus a client pointed at it.</summary>
internal sealed class LoopbackApp : IAsyncDisposable
{
    private readonly TempDirectory _data;

    private LoopbackApp(WebApplication app, HttpClient client, TempDirectory data)
    {
        App = app;
        Client = client;
        _data = data;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public static async Task<LoopbackApp> StartAsync(
        IDictionary<string, string?> settings,
        Action<IServiceCollection, IConfiguration> services,
        Action<WebApplication> configure)
    {
        // A data folder of its own (audit log, key ring), removed with the app.
        var data = new TempDirectory();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:DataPath"] = data.Path });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        services(builder.Services, builder.Configuration);
        var app = builder.Build();
        configure(app);
        await app.StartAsync();
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(app.Urls.First()),
        };
        return new LoopbackApp(app, client, data);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        _data.Dispose();
    }
}
