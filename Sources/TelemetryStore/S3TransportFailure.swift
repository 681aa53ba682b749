import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Maps an error thrown by the HTTP client (no response) to an `S3Error` with a synthesized
/// code: timeouts and refused/reset/closed connections are retryable, TLS failures fatal.
/// Through a proxy, the message names it (every connection then goes to the proxy).
enum S3TransportFailure {
    static func error(
        _ error: any Error, method: String, resource: String, target: String, connection: StoreConnection? = nil,
        requestDate: Date
    ) -> S3Error {
        let (code, classification) = classify(error)
        let route = connection?.proxy.map { " through proxy \($0)" } ?? ""
        var message = "\(describe(error, target: target, connection: connection)) (\(target)\(route))"
        if code == .tlsCertificateNotTrusted {
            message += "; trusting \(connection?.trust.description ?? "the system store"): set ca_bundle (CFDEV_TELEMETRY_CA_BUNDLE) or SSL_CERT_FILE to the CA that signed it"
        }
        return S3Error(
            method: method, resource: resource, status: nil, code: code, message: message, requestDate: requestDate,
            classification: classification)
    }

    /// The TLS failures named apart: an untrusted certificate, and one for another name.
    static func tlsProblem(_ error: any Error) -> (code: S3ErrorCode, phrase: String)? {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return (.tlsCertificateNotTrusted, "the store's TLS certificate is not signed by a trusted certificate authority")
        }
        if text.contains("failedToValidateHostname") {
            return ("TLSWrongName", "the store's TLS certificate is not for this host name")
        }
        return nil
    }

    static func classify(_ error: any Error) -> (S3ErrorCode, S3Error.Classification) {
        if error is BoundedExchange.TimeLimitExceeded { return ("Timeout", .retryable) }
        if let tls = tlsProblem(error) { return (tls.code, .fatal) }
        if let client = error as? HTTPClientError {
            switch client {
            case .invalidProxyResponse, .proxyAuthenticationRequired, .httpProxyHandshakeTimeout:
                return ("ProxyFailure", .retryable)
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
                return ("ConnectTimeout", .retryable)
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return ("Timeout", .retryable)
            case .remoteConnectionClosed, .uncleanShutdown:
                return ("ConnectionClosed", .retryable)
            case .cancelled, .requestStreamCancelled:
                return ("Cancelled", .retryable)
            case .invalidURL, .emptyHost, .emptyScheme, .redirectLimitReached, .redirectCycleDetected:
                return ("InvalidRequest", .fatal)
            default:
                return ("HTTPClientError", .retryable)
            }
        }
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty && (connection.dnsAError != nil || connection.dnsAAAAError != nil) {
                return ("DNSFailure", .retryable)
            }
            if let first = connection.connectionErrors.first {
                return classify(first.error)
            }
            return ("ConnectionFailed", .retryable)
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return ("ConnectionRefused", .retryable)
            case ECONNRESET, EPIPE: return ("ConnectionReset", .retryable)
            case ETIMEDOUT: return ("Timeout", .retryable)
            default: return ("NetworkError", .retryable)
            }
        }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return ("ConnectTimeout", .retryable)
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return ("ConnectionClosed", .retryable)
            default: return ("NetworkError", .retryable)
            }
        }
        if error is CancellationError { return ("Cancelled", .retryable) }
        let typeName = String(reflecting: type(of: error))
        if typeName.contains("NIOSSL") || typeName.contains("TLS") {
            return ("TLSError", .fatal)
        }
        if typeName.contains("DNS") || typeName.contains("Resolution") {
            return ("DNSFailure", .retryable)
        }
        return ("NetworkError", .retryable)
    }

    /// A short lower-case phrase; the target is appended by the caller.
    static func describe(_ error: any Error, target: String = "", connection: StoreConnection? = nil) -> String {
        if let limit = error as? BoundedExchange.TimeLimitExceeded { return limit.description }
        if let tls = tlsProblem(error) { return tls.phrase }
        if let client = error as? HTTPClientError {
            switch client {
            case .invalidProxyResponse: return "the proxy refused the tunnel (no 200 answer to CONNECT)"
            case .proxyAuthenticationRequired:
                return "the proxy asks for credentials (407): give them in the proxy URL, http://user:password@host:port"
            case .httpProxyHandshakeTimeout: return "the proxy did not answer CONNECT in time"
            default: break
            }
        }
        if let connectionError = error as? NIOConnectionError {
            if let first = connectionError.connectionErrors.first { return describe(first.error, target: target, connection: connection) }
            return "cannot resolve \(connectionError.host)"
        }
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout: return "connect timed out"
            case .tlsHandshakeTimeout: return "TLS handshake timed out"
            case .deadlineExceeded: return "no complete answer before the request timeout"
            case .readTimeout: return "read timed out"
            case .writeTimeout: return "write timed out"
            case .remoteConnectionClosed: return "connection closed by the server"
            default: return String(describing: client)
            }
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return "connect timed out"
        }
        return String(describing: error)
    }
}
