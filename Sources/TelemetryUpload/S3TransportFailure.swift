import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Maps an error thrown by the HTTP client (no response) to an `S3Error` with a synthesized
/// code: timeouts and refused/reset/closed connections are retryable, TLS failures fatal.
enum S3TransportFailure {
    static func error(
        _ error: any Error, method: String, resource: String, target: String, requestDate: Date
    ) -> S3Error {
        let (code, classification) = classify(error)
        return S3Error(
            method: method, resource: resource, status: nil, code: code,
            message: "\(describe(error)) (\(target))", requestDate: requestDate,
            classification: classification)
    }

    static func classify(_ error: any Error) -> (String, S3Error.Classification) {
        if error is BoundedExchange.TimeLimitExceeded { return ("Timeout", .retryable) }
        if let client = error as? HTTPClientError {
            switch client {
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
    static func describe(_ error: any Error) -> String {
        if let limit = error as? BoundedExchange.TimeLimitExceeded { return limit.description }
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return describe(first.error) }
            return "cannot resolve \(connection.host)"
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
