using System.Text.Json.Nodes;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Readies JSON that is built once and then read by many sessions at once (a tool's definition, a listing kept for a
/// shape of client). An object or array read from the wire holds its JSON text and builds its members on first read,
/// and that first build is not safe to run from several threads at once: racing readers each build their own members,
/// and may hold a child that its parent does not. Built whole before it is shared, every later read only reads.
/// </summary>
internal static class SharedJson
{
    /// <summary>
    /// Builds every object and array of <paramref name="node"/>, and returns it: call it once, before the node is
    /// published to other threads, never on a path that reads it (a <c>tools/call</c>).
    /// </summary>
    public static T Materialize<T>(T node) where T : JsonNode?
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Materialize(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Materialize(item);
                }

                break;
        }

        return node;
    }
}
