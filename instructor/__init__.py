"""The instructor's tools: build the notebooks, release the student course, grade a class.

Never shipped to students: the student release (`rnn-lessons release`) holds the package
`lessons` only.
"""
