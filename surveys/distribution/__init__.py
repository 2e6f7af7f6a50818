"""How invitations reach people: links by mail, reminders, codes."""
