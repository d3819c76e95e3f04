"""Sessions of a Fallteam (model ``Meeting``): generated from the rhythm, moved, cancelled."""
