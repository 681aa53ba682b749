#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the `S3Error` of a non-2xx answer from its XML body (`<Error><Code>…<Message>…`),
/// or from the status alone when there is no body (HEAD) or it is not S3's XML.
enum S3ErrorResponse {
    static func error(
        method: String, resource: String, status: Int, headers: [(String, String)], body: Data,
        requestDate: Date
    ) -> S3Error {
        let root = body.isEmpty ? nil : S3XMLElement.parse(body)
        let xml = root?.name == "Error" ? root : nil
        let code = nonEmpty(xml?.text(of: "Code")).map(S3ErrorCode.init(rawValue:)) ?? synthesizedCode(status: status)
        let message = nonEmpty(xml?.text(of: "Message")) ?? fallbackMessage(status: status, body: body, isXML: root != nil)
        let requestID = nonEmpty(xml?.text(of: "RequestId")) ?? S3Response.header("x-amz-request-id", in: headers)
        return S3Error(
            method: method, resource: resource, status: status, code: code, message: message,
            serverDate: S3Response.header("date", in: headers).flatMap(HTTPDate.parse),
            requestDate: requestDate, requestID: requestID)
    }

    /// What AWS SDKs show for body-less errors.
    static func synthesizedCode(status: Int) -> S3ErrorCode {
        switch status {
        case 301: return "PermanentRedirect"
        case 307: return "TemporaryRedirect"
        case 400: return "BadRequest"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 409: return "Conflict"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 502: return "BadGateway"
        case 503: return "ServiceUnavailable"
        case 504: return "GatewayTimeout"
        default: return S3ErrorCode(rawValue: "HTTP\(status)")
        }
    }

    private static func fallbackMessage(status: Int, body: Data, isXML: Bool) -> String {
        guard !body.isEmpty, !isXML else {
            return body.isEmpty ? "no error details in the response" : "unexpected XML error body"
        }
        let text = S3Error.oneLine(String(decoding: body.prefix(200), as: UTF8.self))
        return text.isEmpty ? "no error details in the response" : text
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
