using System.Text.Json;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.SignalR.Client;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// What a live page's hub connection was told: the id of the first approval shown pending, the first push of one
/// withdrawn (with its reason), and the connection closing. Attach before starting the connection.
/// </summary>
internal sealed class PageWatch
{
    private readonly TaskCompletionSource<string> _pending = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> _withdrawn = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PageWatch()
    {
    }

    public Task<string> Pending => _pending.Task;

    public Task<JsonElement> Withdrawn => _withdrawn.Task;

    public Task Closed => _closed.Task;

    public static PageWatch On(HubConnection page)
    {
        var watch = new PageWatch();
        page.On<JsonElement>(ApprovalsHub.ApprovalChangedMethod, message =>
        {
            switch (message.GetProperty("status").GetString())
            {
                case "pending":
                    watch._pending.TrySetResult(message.GetProperty("id").GetString()!);
                    break;
                case "withdrawn":
                    watch._withdrawn.TrySetResult(message.Clone());
                    break;
            }
        });
        page.Closed += _ =>
        {
            watch._closed.TrySetResult();
            return Task.CompletedTask;
        };
        return watch;
    }
}
