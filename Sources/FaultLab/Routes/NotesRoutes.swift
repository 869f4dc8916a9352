import Hummingbird

/// The small JSON API over the store: `POST /api/notes`, `GET /api/notes[?limit=N]`, `GET /api/notes/{id}`.
struct NotesRoutes {
    let store: NoteStore

    static let maxTextBytes = 4096
    static let limits = 1...1000

    struct NewNote: Decodable {
        let text: String
    }

    func add(to router: Router<AppRequestContext>) {
        let notes = router.group("api/notes")
        notes.post { request, context -> EditedResponse<Note> in
            let new = try await request.decode(as: NewNote.self, context: context)
            guard !new.text.isEmpty, new.text.utf8.count <= Self.maxTextBytes else {
                throw HTTPError(.badRequest, message: "field 'text' must be 1 to \(Self.maxTextBytes) bytes of text")
            }
            let note = try await store.add(text: new.text)
            return EditedResponse(status: .created, headers: [.location: "/api/notes/\(note.id ?? 0)"], response: note)
        }
        notes.get { request, context -> NoteList in
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
