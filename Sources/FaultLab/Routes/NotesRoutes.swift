import Foundation
import Hummingbird

/// The small JSON API over the store: `POST /api/notes`, `GET /api/notes[?limit=N]`, `GET /api/notes/{id}`.
struct NotesRoutes {
    let store: NoteStore
    /// The defects of the release running (`APP_DEFECTS`).
    let defects: Set<ReleaseDefect>

    static let maxTextBytes = 4096
    static let limits = 1...1000

    struct NewNote: Decodable {
        let text: String

        /// Decodes a request body, refusing it with 400 and a message in the API's own words (Hummingbird's
        /// speak of coding keys).
        init(json body: ByteBuffer) throws(HTTPError) {
            do {
                self = try JSONDecoder().decode(Self.self, from: body)
            } catch DecodingError.keyNotFound {
                throw HTTPError(.badRequest, message: #"field 'text' is required: send {"text":"…"}"#)
            } catch DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty {
                throw HTTPError(.badRequest, message: "field 'text' must be a string")
            } catch DecodingError.valueNotFound {
                throw HTTPError(.badRequest, message: "field 'text' must be a string")
            } catch {
                throw HTTPError(.badRequest, message: #"the body must be a JSON object such as {"text":"…"}"#)
            }
        }
    }

    func add(to router: Router<AppRequestContext>) {
        let notes = router.group("api/notes")
        notes.post { request, context -> EditedResponse<Note> in
            let new = try NewNote(json: try await request.body.collect(upTo: context.maxUploadSize))
            guard !new.text.isEmpty, new.text.utf8.count <= Self.maxTextBytes else {
                throw HTTPError(.badRequest, message: "field 'text' must be 1 to \(Self.maxTextBytes) bytes of text")
            }
            if defects.contains(.slowWrites) { try await Task.sleep(for: ReleaseDefect.slowWriteDelay) }
            let note = try await store.add(text: new.text)
            return EditedResponse(status: .created, headers: [.location: "/api/notes/\(note.id ?? 0)"], response: note)
        }
        notes.get { request, context -> NoteList in
            guard !defects.contains(.listNotes500) else {
                throw HTTPError(.internalServerError, message: "listing notes failed (release defect list_notes_500)")
            }
            let limit =
                try request.uri.queryParameters["limit"].map { raw in
                    guard let limit = Int(raw), Self.limits.contains(limit) else {
                        throw HTTPError(
                            .badRequest,
                            message:
                                "query parameter 'limit' must be a whole number from \(Self.limits.lowerBound) to \(Self.limits.upperBound)"
                        )
                    }
                    return limit
                } ?? 50
            return NoteList(notes: try await store.list(limit: limit))
        }
        notes.get("{id}") { _, context -> Note in
            let id = try context.parameters.require("id", as: Int64.self)
            guard let note = try await store.note(id: id) else {
                throw HTTPError(.notFound, message: "no note \(id)")
            }
            return note
        }
    }
}

struct NoteList: ResponseEncodable {
    let notes: [Note]
}

extension Note: ResponseEncodable {}
