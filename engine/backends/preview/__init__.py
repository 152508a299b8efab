"""The ``preview`` backend (eSpeak NG + a pitch/envelope transform toward the references); see ``backend``."""
