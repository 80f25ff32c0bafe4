using System.Globalization;
using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Agents;
using ApprovalGateway.Approvals;
using ApprovalGateway.Hosting;
using ApprovalGateway.Proxy.Resumption;
using ApprovalGateway.Slack;
using ApprovalGateway.Upstreams;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy;

/// <summary>Wires the agents' side of the gateway: Streamable HTTP at <c>Gateway:McpPath</c>, or stdio with <c>--stdio</c>.</summary>
internal static class McpEndpointExtensions
{
    private const string SessionKey = "ApprovalGateway.Session";

    private const string SlotKey = "ApprovalGateway.SessionSlot";

    public static IServiceCollection AddGatewayMcpHttp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<SessionSlots>();
        services.AddSingleton<LiveSessionIds>();
        services.AddSingleton<OpenGetStreams>();
        services.AddSingleton<EventStreamKeepalive>();
        services.AddGatewayResumption();
        services.AddMcpServer()
            .WithHttpTransport(transport =>
            {
                // Stateful: each agent connection keeps its own upstream sessions, held calls and notifications.
                transport.SessionMode = HttpServerSessionMode.Stateful;
                transport.ConfigureSessionOptions = (http, serverOptions, _) =>
                {
                    var sessionId = http.Response.Headers["Mcp-Session-Id"].ToString();
                    var session = http.RequestServices.GetRequiredService<GatewaySessionFactory>()
                        .Create(new SessionIdentity(AgentName(http.User), http.User.FindFirst(AgentClaims.Owner)?.Value, sessionId));
                    session.Configure(serverOptions);
                    session.Hold(http.Items[SlotKey] as IDisposable);
                    http.Items[SessionKey] = session;
                    http.RequestServices.GetRequiredService<LiveSessionIds>().Add(session);
                    return Task.CompletedTask;
                };
                transport.RunSessionHandler = async (http, server, cancellationToken) =>
                {
                    var session = (GatewaySession)http.Items[SessionKey]!;
                    // Taken while the initialize request is still under way: the context is not the session's to keep.
                    var live = http.RequestServices.GetRequiredService<LiveSessionIds>();
                    var getStreams = http.RequestServices.GetRequiredService<OpenGetStreams>();
                    var sessionId = session.Identity.SessionId;
                    session.Attach(server, () => getStreams.IsOpen(sessionId));
                    try
                    {
                        await server.RunAsync(cancellationToken);
                    }
                    finally
                    {
                        live.Remove(session.Identity.SessionId);
                        await session.DisposeAsync();
                    }
                };
            });
        // Stateful sessions are what let held calls, notifications and server-to-client requests reach the right agent.
#pragma warning disable MCP9006
        services.AddOptions<HttpServerTransportOptions>().Configure<IOptions<GatewayOptions>, IOptions<ResumptionOptions>, ResumableStreamStore>(
            (transport, gateway, resumption, store) =>
            {
                transport.IdleTimeout = gateway.Value.SessionIdleTimeout;
                // Streams that drop (a GET with the agent's notifications, a POST with a held call's answer) can be
                // resumed with Last-Event-ID instead of being lost for the rest of the session.
                transport.EventStreamStore = resumption.Value.Enabled ? store : null;
            });
#pragma warning restore MCP9006
        return services;
    }

    public static IServiceCollection AddGatewayMcpStdio(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<AgentDirectory>().StdioIdentity();
            return sp.GetRequiredService<GatewaySessionFactory>().Create(new SessionIdentity(agent.Name, agent.Owner, "stdio"));
        });
        services.AddMcpServer();
        services.AddSingleton<ITransport>(sp =>
        {
            var agent = sp.GetRequiredService<AgentDirectory>().StdioIdentity().Name;
            var audit = sp.GetRequiredService<UnreadableRequestAudit>();
            return new StdioAgentTransport(
                Console.OpenStandardInput(),
                Console.OpenStandardOutput(),
                sp.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxRequestBodyBytes,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("ApprovalGateway.Proxy"),
                (line, complete, answer) => audit.RecordAsync(agent, "stdio", line, complete, answer));
        });
        services.AddSingleton(sp => McpServer.Create(
            sp.GetRequiredService<ITransport>(), sp.GetRequiredService<IOptions<McpServerOptions>>().Value, sp.GetService<ILoggerFactory>(), sp));
        services.AddHostedService<StdioAgentSessionService>();

        // The client that launched the gateway cannot know which port its page is on: held calls' messages say.
        services.Replace(ServiceDescriptor.Singleton(sp => new ApprovalPageAddress(
            sp.GetRequiredService<IOptions<SlackOptions>>().Value.PublicBaseUrl, sp.GetRequiredService<IServer>())));
        services.AddOptions<McpServerOptions>().Configure<GatewaySession>((serverOptions, session) => session.Configure(serverOptions));
        return services;
    }

    /// <summary>
    /// Puts the agent that <c>UseAgentAuthentication</c> found on <c>HttpContext.User</c> for the MCP path, so the
    /// SDK binds each session to its agent: another agent's key cannot use or hijack it.
    /// </summary>
    public static IApplicationBuilder UseAgentPrincipal(this IApplicationBuilder app, PathString mcpPath) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(mcpPath) && context.GetAgent() is { } agent)
            {
                var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, agent.Name), new(ClaimTypes.Name, agent.Name) };
                if (agent.Owner is not null)
                {
                    claims.Add(new Claim(AgentClaims.Owner, agent.Owner));
                }

                context.User = new ClaimsPrincipal(new ClaimsIdentity(claims, "AgentKey"));
            }

            return next(context);
        });

    /// <summary>
    /// Writes an SSE comment on each agent event stream that was silent for <c>Gateway:EventStreamKeepalive</c> (see
    /// <see cref="EventStreamKeepalive"/>). It goes before the gateway's other wrappers of the response body, so its
    /// comments reach the agent as written, and none is held back or counted as the SDK's.
    /// </summary>
    public static IApplicationBuilder UseMcpEventStreamKeepalive(this IApplicationBuilder app, PathString mcpPath)
    {
        var keepalive = app.ApplicationServices.GetRequiredService<EventStreamKeepalive>();
        if (!keepalive.Enabled)
        {
            return app;
        }

        return app.Use(async (context, next) =>
        {
            if (HttpMethods.IsDelete(context.Request.Method) || !context.Request.Path.StartsWithSegments(mcpPath))
            {
                await next(context);
                return;
            }

            var responseBody = context.Response.Body;
            var body = keepalive.Watch(context);
            try
            {
                await next(context);
            }
            finally
            {
                await keepalive.ForgetAsync(body);
                context.Response.Body = responseBody;
            }
        });
    }

    /// <summary>
    /// Refuses a new session (a POST without <c>Mcp-Session-Id</c>) past <c>Gateway:MaxSessionsPerAgent</c> or
    /// <c>Gateway:MaxSessions</c>, with 429 or 503 and a JSON-RPC error saying which limit and what to do.
    /// </summary>
    public static IApplicationBuilder UseMcpSessionLimits(this IApplicationBuilder app, PathString mcpPath)
    {
        var slots = app.ApplicationServices.GetRequiredService<SessionSlots>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ApprovalGateway.Proxy");
        return app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Path.StartsWithSegments(mcpPath) ||
                context.Request.Headers.ContainsKey("Mcp-Session-Id"))
            {
                await next(context);
                return;
            }

            if (!slots.TryTake(AgentName(context.User), out var slot, out var refusal))
            {
                Log.SessionRefused(logger, refusal.Message);

                // The id stays null: the body is not read here, and parsing up to Gateway:MaxRequestBodyBytes of it
                // for each refusal would hand the client that loops the cost the limit is there to cap.
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(refusal.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await WriteJsonRpcErrorAsync(context, refusal.StatusCode, -32000, refusal.Message);
                return;
            }

            context.Items[SlotKey] = slot;
            var failed = true;
            try
            {
                await next(context);
                failed = context.Response.StatusCode >= StatusCodes.Status400BadRequest;
            }
            catch (JsonException) when (context.Items[SessionKey] is GatewaySession && context.Features.Get<McpServer>() is { } server)
            {
                // The SDK made a session for an initialize whose params it then could not read, and would keep it until
                // it idled out, though no one was told its id: it ends now, and the gateway's session for it with it.
                await server.DisposeAsync();
                throw;
            }
            finally
            {
                // The request opened no session (it was not an initialize, or failed), so nothing holds the slot.
                if (context.Items[SessionKey] is not GatewaySession session)
                {
                    slot.Dispose();
                }
                else if (failed)
                {
                    // The SDK made the session but the initialize was refused: it opens nothing upstream.
                    session.Refused();
                }
            }
        });
    }

    /// <summary>
    /// Audits a POST from a known agent that the SDK refused because its body is not one JSON-RPC message (it answers
    /// 400 before any of the gateway's code sees the request), and answers it as a stdio line is: -32700 Parse error
    /// for a body that is not JSON, -32600 naming what else is wrong, with the request's id where it has one. One the
    /// SDK refused for its headers is not a call, and only the agent hears of it; one refused for naming no session
    /// while not an <c>initialize</c>, or for its protocol version header, is answered as the TypeScript SDK answers it
    /// (<see cref="McpSessionIdRequired"/>, <see cref="UnsupportedProtocolVersion"/>).
    /// </summary>
    public static IApplicationBuilder UseMcpUnreadableRequestAudit(this IApplicationBuilder app, PathString mcpPath)
    {
        var audit = app.ApplicationServices.GetRequiredService<UnreadableRequestAudit>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ApprovalGateway.Proxy");
        return app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Path.StartsWithSegments(mcpPath))
            {
                await next(context);
                return;
            }

            var body = context.Request.Body;
            await using var head = new RequestBodyHead(body);
            context.Request.Body = head;
            var responseBody = context.Response.Body;
            var held = new HeldRefusalBody(responseBody, context.Response);
            context.Response.Body = held;
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode != StatusCodes.Status400BadRequest)
                {
                    head.Release();
                }

                return Task.CompletedTask;
            });
            try
            {
                JsonRpcError? answer = null;
                try
                {
                    await next(context);
                }
                catch (JsonException) when (!context.Response.HasStarted && UnreadInitialize(head) is { } refusal)
                {
                    // The SDK reads an initialize's params before any of the gateway's code sees the request, and throws
                    // (an empty 500) when they are not what MCP defines. The session it made for it is no one's.
                    context.Response.Headers.Remove("Mcp-Session-Id");
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    context.Response.ContentType = "application/json";
                    answer = refusal;
                }
                catch (Exception ex) when (!context.Response.HasStarted && (ex is ConnectionResetException || (ex is IOException && context.RequestAborted.IsCancellationRequested)))
                {
                    // The agent's connection broke while the SDK read its message: nobody is left to answer, and no
                    // message arrived to act on or audit. Kestrel would log an unhandled exception for each.
                    Log.AgentConnectionBroke(logger, context.Request.Headers["Mcp-Session-Id"].ToString(), ex.Message);

                    // Said of the connection too, so Kestrel does not try to read the rest of a body that will not come.
                    context.Abort();
                    return;
                }
                catch (OperationCanceledException) when (context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
                {
                    // The session ended (a DELETE, its idle timeout, a stop) under a stream that waited for an answer
                    // it will not get, as a request the agent cancelled does not (MCP). The stream ends as a whole
                    // response, not cut off, with Kestrel logging an unhandled exception.
                }

                answer ??= context.Response.StatusCode == StatusCodes.Status400BadRequest ? await UnreadableAsync(context, head) : null;
                var reply = answer ?? (held.IsHolding
                    ? WithoutSession(context.Request, head) ?? UnsupportedProtocolVersion.Answer(context.Request, held.Held)
                    : null);
                try
                {
                    await held.SendAsync(reply is null ? null : JsonSerializer.SerializeToUtf8Bytes<JsonRpcMessage>(reply, JsonRpcLine.MessageType), context.RequestAborted);
                }
                finally
                {
                    // An agent gone before its answer was refused all the same.
                    if (answer is not null)
                    {
                        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
                        await audit.RecordAsync(AgentName(context.User), sessionId, head.Head, !head.IsCut, answer);
                    }
                }
            }
            finally
            {
                context.Request.Body = body;
                context.Response.Body = responseBody;
            }
        });
    }

    /// <summary>
    /// The answer to a readable message the SDK refused because it opens no session and names none; null for any
    /// other refusal. Not audited: without a session it is no agent's request to anything.
    /// </summary>
    private static JsonRpcError? WithoutSession(HttpRequest request, RequestBodyHead head)
    {
        if (!McpSessionIdRequired.NamesNoSession(request))
        {
            return null;
        }

        var (id, method, _) = UnreadableMessage.TopLevel(head.Head, !head.IsCut);
        return method == RequestMethods.Initialize ? null : McpSessionIdRequired.NotInitialized(id);
    }

    /// <summary>The refusal of an <c>initialize</c> whose params the SDK could not read; null when the body is something else.</summary>
    private static JsonRpcError? UnreadInitialize(RequestBodyHead head)
    {
        var (id, method, _) = UnreadableMessage.TopLevel(head.Head, !head.IsCut);
        if (method != RequestMethods.Initialize)
        {
            return null;
        }

        if (head.IsCut)
        {
            return InvalidInitialize.Unreadable(id);
        }

        var reader = new Utf8JsonReader(head.Head);
        return InvalidInitialize.Answer(id, JsonNode.Parse(ref reader)?["params"]) ?? InvalidInitialize.Unreadable(id);
    }

    /// <summary>What is wrong with the body, in the words a stdio line gets; null when it is a message the SDK can read.</summary>
    private static async Task<JsonRpcError?> UnreadableAsync(HttpContext context, RequestBodyHead head)
    {
        try
        {
            await head.ReadRestAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or OperationCanceledException)
        {
            // What was read already says enough.
        }

        if (head.IsCut)
        {
            return UnreadableMessage.Cut(head.Head);
        }

        var json = head.Head.ToArray();
        try
        {
            _ = JsonSerializer.Deserialize(json, JsonRpcLine.MessageType) ?? throw new JsonException("The body is JSON null.");
            return UnreadableMessage.UndefinedMember(json, body: true);
        }
        catch (Exception ex)
        {
            return UnreadableMessage.Answer(json, ex, body: true);
        }
    }

    public static IEndpointConventionBuilder MapGatewayMcp(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapMcp(endpoints.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.McpPath);

    /// <summary>
    /// Caps MCP request bodies at <c>Gateway:MaxRequestBodyBytes</c>: a declared oversize body is refused with 413
    /// and a JSON-RPC error before it is read, and a chunked one with the same once reading it reaches the limit. A
    /// refused POST goes in the audit log as <c>invalid_request</c>, as the agent's: it runs after the agent is known,
    /// so a caller without a key hears 401 first and is recorded as refused at the door instead.
    /// </summary>
    public static IApplicationBuilder UseMcpRequestLimits(this IApplicationBuilder app)
    {
        var gateway = app.ApplicationServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var audit = app.ApplicationServices.GetRequiredService<UnreadableRequestAudit>();
        var tooLarge = $"Request body exceeds the gateway's limit of {gateway.MaxRequestBodyBytes} bytes.";
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(gateway.McpPath))
            {
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = gateway.MaxRequestBodyBytes;
                }

                if (context.Request.ContentLength is { } declared && declared > gateway.MaxRequestBodyBytes)
                {
                    await RefuseTooLargeAsync(context, declared);
                    return;
                }
            }

            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                && !context.Response.HasStarted && context.Request.Path.StartsWithSegments(gateway.McpPath))
            {
                // Kestrel throws from the SDK's read of a chunked body once it passes the limit; left alone, the agent
                // would get a bare 413 and the log an unhandled exception.
                await RefuseTooLargeAsync(context, declared: null);
            }
        });

        async Task RefuseTooLargeAsync(HttpContext context, long? declared)
        {
            // The rest of the body is never read, so Kestrel drops the connection after the answer: said up front, a
            // client does not send its next request down a connection that is about to go, to have it fail.
            if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
            {
                context.Response.Headers.Connection = "close";
            }

            try
            {
                await WriteJsonRpcErrorAsync(context, StatusCodes.Status413PayloadTooLarge, -32600, tooLarge);
            }
            finally
            {
                // An agent gone before its answer was refused all the same.
                if (HttpMethods.IsPost(context.Request.Method))
                {
                    await audit.RecordTooLargeAsync(
                        AgentName(context.User), context.Request.Headers["Mcp-Session-Id"].ToString(), declared, gateway.MaxRequestBodyBytes);
                }
            }
        }
    }

    /// <summary>A refusal before the SDK reads the request, in the JSON-RPC shape agents' clients parse.</summary>
    internal static Task WriteJsonRpcErrorAsync(HttpContext context, int statusCode, int code, string message)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(new { jsonrpc = "2.0", id = (object?)null, error = new { code, message } });
    }

    internal static string AgentName(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.Identity.Name is { } name ? name : AgentClaims.Anonymous;
}
