package example.notes;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A tiny notes API on the JDK's own HTTP server, with Jackson for JSON. */
public final class NotesServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(NotesServer.class);

    public static void main(String[] args) throws IOException {
        String host = System.getenv().getOrDefault("HOST", "0.0.0.0");
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        Notes notes = new Notes();
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/healthz", ex -> send(ex, 200, Map.of("status", "ok")));
        server.createContext("/notes", ex -> {
            switch (ex.getRequestMethod()) {
                case "GET" -> send(ex, 200, notes.all());
                case "POST" -> {
                    try (InputStream in = ex.getRequestBody()) {
                        JsonNode body = JSON.readTree(in);
                        String text = body != null && body.hasNonNull("text") ? body.get("text").asText() : "";
                        send(ex, 201, notes.add(text));
                    } catch (IllegalArgumentException | JacksonException e) {
                        send(ex, 400, Map.of("error", String.valueOf(e.getMessage())));
                    }
                }
                default -> send(ex, 405, Map.of("error", "method not allowed"));
            }
        });
        server.start();
        LOG.info("notes listening on {}:{}", host, port);
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] out = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }
}
