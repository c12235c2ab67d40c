package io.alexstream.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of a deployment's own, for mutual TLS on the model-management calls:
 * it issues a server certificate for a worker's gRPC port and client certificates whose CN
 * names a role. Made with the {@code openssl} and {@code keytool} commands (Debian's openssl
 * package and the JDK), in a directory of the caller's; EC P-256 keys, PEM files, and the CA in
 * a PKCS12 trust store for servers that want one. For local stacks and tests; a production
 * deployment brings its own CA (cert-manager, Vault, ...).
 */
public final class LocalCertificates {

    /** A certificate (PEM) and its private key (PKCS#8 PEM). */
    public record Issued(Path certificate, Path key) {}

    private static final String CONFIG = """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = unused
            [authority]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [server]
            basicConstraints = CA:FALSE
            keyUsage = critical,digitalSignature,keyEncipherment
            extendedKeyUsage = serverAuth
            subjectAltName = @names
            [client]
            basicConstraints = CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = clientAuth
            [names]
            """;

    private final Path dir;
    private final Path config;
    private final Issued authority;

    private LocalCertificates(Path dir, Path config, Issued authority) {
        this.dir = dir;
        this.config = config;
        this.authority = authority;
    }

    /**
     * A new CA in {@code dir}; server certificates it issues name {@code serverNames} (DNS names
     * or IP addresses) as their subject alternative names.
     */
    public static LocalCertificates createAuthority(Path dir, String name, List<String> serverNames)
            throws IOException {
        Files.createDirectories(dir);
        StringBuilder text = new StringBuilder(CONFIG);
        int dns = 0;
        int ip = 0;
        for (String serverName : serverNames) {
            boolean address = serverName.matches("[0-9.]+") || serverName.contains(":");
            text.append(address ? "IP." + ++ip : "DNS." + ++dns)
                    .append(" = ")
                    .append(serverName)
                    .append('\n');
        }
        Path config = dir.resolve("openssl.cnf");
        Files.writeString(config, text, StandardCharsets.UTF_8);
        Issued authority = new Issued(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
        run(
                dir,
                "openssl",
                "req",
                "-x509",
                "-config",
                config.toString(),
                "-extensions",
                "authority",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                authority.key().toString(),
                "-out",
                authority.certificate().toString(),
                "-days",
                "365",
                "-subj",
                "/CN=" + name);
        return new LocalCertificates(dir, config, authority);
    }

    public Path authorityCertificate() {
        return authority.certificate();
    }

    /** A certificate for a gRPC server (serverAuth, with the CA's server names). */
    public Issued issueServer(String commonName) throws IOException {
        return issue(commonName, "server");
    }

    /** A client certificate (clientAuth) whose CN is what a server maps to a role. */
    public Issued issueClient(String commonName) throws IOException {
        return issue(commonName, "client");
    }

    /** A client's TLS that trusts this CA and presents a new client certificate with this CN. */
    public TlsChannels.ClientTls clientTls(String commonName) throws IOException {
        Issued issued = issueClient(commonName);
        return new TlsChannels.ClientTls(
                authorityCertificate(), Optional.of(issued.certificate()), Optional.of(issued.key()));
    }

    /** A client's TLS that trusts this CA and presents no certificate (what a Classify caller uses). */
    public TlsChannels.ClientTls trustOnly() {
        return new TlsChannels.ClientTls(authorityCertificate(), Optional.empty(), Optional.empty());
    }

    /** The CA certificate in a PKCS12 trust store (what Quarkus's gRPC server takes as its trust store). */
    public Path trustStore(String password) throws IOException {
        Path store = dir.resolve("trust.p12");
        Files.deleteIfExists(store);
        run(
                dir,
                "keytool",
                "-importcert",
                "-noprompt",
                "-alias",
                "authority",
                "-file",
                authority.certificate().toString(),
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password);
        return store;
    }

    private Issued issue(String commonName, String extensions) throws IOException {
        Issued issued = new Issued(dir.resolve(commonName + ".pem"), dir.resolve(commonName + ".key"));
        Path request = dir.resolve(commonName + ".csr");
        run(
                dir,
                "openssl",
                "req",
                "-new",
                "-config",
                config.toString(),
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                issued.key().toString(),
                "-out",
                request.toString(),
                "-subj",
                "/CN=" + commonName);
        run(
                dir,
                "openssl",
                "x509",
                "-req",
                "-in",
                request.toString(),
                "-CA",
                authority.certificate().toString(),
                "-CAkey",
                authority.key().toString(),
                "-set_serial",
                Long.toString(System.nanoTime() & Long.MAX_VALUE),
                "-days",
                "365",
                "-extfile",
                config.toString(),
                "-extensions",
                extensions,
                "-out",
                issued.certificate().toString());
        Files.delete(request);
        return issued;
    }

    private static void run(Path dir, String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of(command));
        Process process = new ProcessBuilder(line)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(command[0] + " failed (" + String.join(" ", line) + "):\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command[0], e);
        }
    }
}
