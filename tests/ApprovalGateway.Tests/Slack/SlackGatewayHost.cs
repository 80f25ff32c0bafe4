using ApprovalGateway.Tests.Infrastructure;
using System.Net;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Audit;
using ApprovalGateway.Slack;
using ApprovalGateway.Web;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Slack;

/// <summary>
/// The gateway's Slack feature in a real ASP.NET Core app on loopback, with a real Hangfire server on InMemory storage,
/// talking to a <see cref="FakeSlackServer"/>. The decision service is the in-test double.
/// </summary>
internal sealed class SlackGatewayHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly BackgroundJobServer jobServer;

    private readonly TempDirectory data;

    private SlackGatewayHost(
        WebApplication app,
        BackgroundJobServer jobServer,
        InMemoryStorage storage,
        FailingJobStorage? outages,
        RecordingApprovalDecisions decisions,
        TempDirectory data)
    {
        this.app = app;
        this.data = data;
        this.jobServer = jobServer;
        Storage = storage;
        Outages = outages;
        Decisions = decisions;
    }

    public InMemoryStorage Storage { get; }

    /// <summary>
    /// The storage as the Slack feature sees it, to be taken out of its reach, when started with storage outages.
    /// Hangfire's server keeps the storage itself, as another instance would.
    /// </summary>
    public FailingJobStorage? Outages { get; }

    public RecordingApprovalDecisions Decisions { get; }

    public Uri InteractionsUrl { get; private set; } = null!;

    public IServiceProvider Services => app.Services;

    public IApprovalObserver Observer => app.Services.GetServices<IApprovalObserver>().OfType<SlackApprovalObserver>().Single();

    public SlackMessageStore MessageStore => app.Services.GetRequiredService<SlackMessageStore>();

    public static async Task<SlackGatewayHost> StartAsync(
        FakeSlackServer slack,
        bool socketMode = false,
        IApproverDirectory? directory = null,
        bool storageOutages = false)
    {
        var storage = new InMemoryStorage();
        var outages = storageOutages ? new FailingJobStorage(storage) : null;
        var seen = (JobStorage?)outages ?? storage;
        var decisions = new RecordingApprovalDecisions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(slack.GatewaySettings(socketMode));
        var data = new TempDirectory();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:DataPath"] = data.Path });
        builder.Services.AddSingleton(seen);
        builder.Services.AddSingleton<IBackgroundJobClient>(new BackgroundJobClient(seen));
        builder.Services.AddSingleton<IApprovalDecisions>(decisions);
        builder.Services.AddSingleton<HeldCallLimit>();
        if (directory is not null)
        {
            builder.Services.AddSingleton(directory);
        }

        builder.Services.AddGatewayAudit(builder.Configuration);
        builder.Services.AddGatewaySlack(builder.Configuration);
        var app = builder.Build();
        app.MapSlackInteractions();
        await app.StartAsync();

        var jobServer = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                Activator = new ServiceProviderJobActivator(app.Services),
                SchedulePollingInterval = TimeSpan.FromMilliseconds(100),
                WorkerCount = 2,
            },
            storage);

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SlackGatewayHost(app, jobServer, storage, outages, decisions, data)
        {
            InteractionsUrl = new Uri(new Uri(address), SlackInteractionEndpoints.Path),
        };
    }

    public async ValueTask DisposeAsync()
    {
        jobServer.SendStop();
        await jobServer.WaitForShutdownAsync(CancellationToken.None);
        jobServer.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        HangfireLogging.Forget();
        Storage.Dispose();
        data.Dispose();
    }

    /// <summary>The audit records this host wrote, newest first.</summary>
    public IReadOnlyList<AuditRecord> AuditRecords => app.Services.GetRequiredService<IAuditLog>().Recent(100);

    private sealed class ServiceProviderJobActivator(IServiceProvider services) : JobActivator
    {
        public override object ActivateJob(Type jobType) => services.GetRequiredService(jobType);
    }
}
