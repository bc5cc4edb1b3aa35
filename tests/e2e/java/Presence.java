// A Java client at the JDK's defaults: HttpURLConnection to Graph's own address. Nothing here
// names mockgraph; JAVA_TOOL_OPTIONS (from `mockgraph env`) sets the proxy and the truststore.
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

public class Presence {
    public static void main(String[] args) throws Exception {
        URL url = new URL("https://graph.microsoft.com/v1.0/users/" + args[0] + "/presence");
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setRequestProperty("Authorization", "Bearer " + args[1]);
        try (InputStream body = connection.getInputStream()) {
            System.out.println(new String(body.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
