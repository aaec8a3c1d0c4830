package example.notes;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;

/** An in-memory list of notes; ids count from 1. */
public final class Notes {
    /** One note. */
    public record Note(int id, String text) {}

    private final List<Note> notes = new ArrayList<>();

    /** Adds a note, or throws IllegalArgumentException when its text is blank. */
    public synchronized Note add(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a note needs a non-empty 'text'");
        }
        Note n = new Note(notes.size() + 1, text.strip());
        notes.add(n);
        return n;
    }

    /** Returns a copy of every note, oldest first. */
    public synchronized List<Note> all() {
        return ImmutableList.copyOf(notes);
    }
}
