package example.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NotesTest {
    @Test
    void addsNotesInOrder() {
        Notes notes = new Notes();
        assertEquals(new Notes.Note(1, "buy milk"), notes.add(" buy milk "));
        assertEquals(new Notes.Note(2, "call home"), notes.add("call home"));
        assertEquals(2, notes.all().size());
    }

    @Test
    void refusesBlankText() {
        assertThrows(IllegalArgumentException.class, () -> new Notes().add("  "));
    }
}
